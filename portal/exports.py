"""Tables as files people open in a spreadsheet: streamed, and safe against formula injection.

A cell that starts with = + - @ (or a tab or carriage return) would be run as a
formula by Excel or LibreOffice; such text is written with a leading apostrophe,
which spreadsheets show as plain text.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

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
