"""Tables as pages show them and as files people open in a spreadsheet: streamed, formula-safe.

A cell that starts with = + - @ (or a tab or carriage return) would be run as a
formula by Excel or LibreOffice; such text is written with a leading apostrophe,
which spreadsheets show as plain text.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
import io
import tempfile
from typing import Callable, Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.extensions import db

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet should see it: numbers as numbers, text never as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_stream(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text chunk by chunk (UTF-8 with BOM so spreadsheets detect it), one row at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([safe_cell(name) for name in header])
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()


class QueryRows:
    """Rows of a long list, read from the database only while the file is being sent.

    The query runs when the rows are iterated, inside the stream's own
    transaction (see `tenancy.stream_in_scope`), in batches through a server-side
    cursor, so memory stays flat and no cursor outlives its transaction.
    """

    def __init__(self, statement, row_of: Callable[[object], tuple], batch: int = 500):
        self.statement, self.row_of, self.batch = statement, row_of, batch

    def __iter__(self) -> Iterator[tuple]:
        for record in db.session.scalars(self.statement.execution_options(yield_per=self.batch)):
            yield self.row_of(record)


# --- tables ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    #: text, int, decimal, rupiah, date or datetime: decides alignment on the page and the number format in XLSX.
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "decimal", "rupiah")


@dataclass
class Table:
    """A table as the page shows it and as its CSV and XLSX exports contain it: one source for both."""

    name: str
    title: str
    columns: tuple[Column, ...]
    #: A list, or any iterable consumed once (a long list streams from the database).
    rows: Iterable[tuple]
    total: tuple | None = None
    #: Optional per-row ids the page links to (e.g. a facility's drill-down).
    links: list | None = None

    def headings(self) -> list[str]:
        return [str(column.heading) for column in self.columns]

    def all_rows(self) -> Iterator[tuple]:
        yield from self.rows
        if self.total:
            yield self.total


def _plain(value):
    """What a CSV cell holds: ISO dates, numbers as numbers."""
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value.isoformat()
    return str(value) if value is not None and not isinstance(value, (int, float, Decimal)) else value


#: Decimals as a CSV writes them: hours with one place, Rupiah with their two (sen).
_CSV_PLACES = {"decimal": Decimal("0.1"), "rupiah": Decimal("0.01")}


def table_csv(table: Table) -> Iterator[str]:
    def cells(row):
        for column, value in zip(table.columns, row):
            if column.kind in _CSV_PLACES and value is not None:
                value = Decimal(value).quantize(_CSV_PLACES[column.kind])  # the same on every database
            yield _plain(value)
    return csv_stream(table.headings(), (list(cells(row)) for row in table.all_rows()))


#: Excel shows these with the reader's own separators (1.234,5 in an Indonesian locale).
_NUMBER_FORMATS = {"int": "#,##0", "decimal": "#,##0.0", "rupiah": '"Rp" #,##0', "date": "dd/mm/yyyy",
                   "datetime": "dd/mm/yyyy hh:mm"}


#: What Excel refuses in a sheet's name (and openpyxl with it).
_NOT_IN_SHEET_TITLES = str.maketrans({character: " " for character in "[]:*?/\\"})


def sheet_title(title: str) -> str:
    """A table's title as a sheet's name: at most 31 characters, none of those Excel refuses (a title such as
    "Langkah persetujuan: ..." was a 500)."""
    return " ".join(title.translate(_NOT_IN_SHEET_TITLES).split())[:31].strip() or "Sheet"


def table_xlsx(table: Table) -> Iterator[bytes]:
    """The table as an XLSX workbook; openpyxl's write-only mode keeps memory flat however many rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(str(table.title)))
    sheet.freeze_panes = "A2"
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=str(column.heading))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.all_rows():
        cells = []
        for column, value in zip(table.columns, row):
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)
            cell = WriteOnlyCell(sheet, value=safe_cell(str(value) if _is_lazy(value) else value))
            if column.kind in _NUMBER_FORMATS:
                cell.number_format = _NUMBER_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(64 * 1024):
            yield chunk


def _is_lazy(value) -> bool:
    return not isinstance(value, (str, int, float, Decimal, date, datetime, type(None)))


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The file formats a table is offered in: (content type, writer).
FORMATS = {"csv": ("text/csv; charset=utf-8", table_csv), "xlsx": (XLSX_MIMETYPE, table_xlsx)}
