"""Import many contributions from a CSV or XLSX file: all rows, or none if any row is wrong.

The file has one row per contribution with the columns of `COLUMNS` (the
downloadable template). Every row goes through the same rules as the form;
the errors come back per row, in the user's language. A column that looks
like a list of names is refused outright: MitraPAS holds counts, not people.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field as dataclass_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
import io
import re
from typing import BinaryIO, Callable, Iterable
import zipfile

from flask_babel import force_locale, lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.agreements.models import Agreement
from portal.contributions import operations as contributions
from portal.contributions.models import Contribution, ContributionType
from portal.contributions.fields import FIELDS, IMPORTED, LINKS, ContributionFields, Field, Kind
from portal.contributions.labels import CONTRIBUTION_TYPE
from portal.core import bulk, tenancy, transactional_files as files
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation

#: The template's columns, in order (Indonesian, as the people filling it in read them): the declared fields'.
COLUMNS = tuple(field.column for field in IMPORTED)
REQUIRED = tuple(field.column for field in IMPORTED if field.required)
#: Headers that would hold people, not counts.
_NAME_LIKE = re.compile(r"^(nama|name|names|nik|nip_wbp|no_?reg|nomor_?registrasi|no_?registrasi|"
                        r"nama_?(wbp|peserta|warga_?binaan|narapidana|tahanan)|identitas)", re.IGNORECASE)
MAX_ROWS = 20000
#: What a workbook may unpack to: 20,000 rows of the template are about 15 MB of XML.
MAX_UNPACKED_BYTES = 64_000_000


@dataclass
class RowProblem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    problems: list[RowProblem] = dataclass_field(default_factory=list)
    #: (the row's number in the file, the contribution recorded from it), in the file's order.
    kept: list[tuple[int, int]] = dataclass_field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def ids(self) -> list[int]:
        """The contributions recorded, in the order of the file's rows."""
        return [contribution_id for _row, contribution_id in self.kept]


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "kontribusi"
    sheet.append(COLUMNS)
    sheet.append([field.example_value() for field in IMPORTED])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def template_csv() -> bytes:
    return ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode("utf-8")


#: Rows checked, or kept, between two reports of progress; and kept in one INSERT and one batch of audit entries.
BATCH = 500


def import_contributions(facility: Organisation, partner: Organisation, stream: BinaryIO, filename: str, *,
                         actor: User, dry_run: bool = False,
                         progress: Callable[[int, int], object] = lambda done, total: None) -> ImportResult:
    """Record every row, or none; with `dry_run`, check them all and keep nothing (the preview).

    Each row is checked by the form's own rules (`contributions.new_contribution`); the pair's
    agreements are read once, and the rows are kept 500 to an INSERT with their audit entries,
    so 10,000 rows take seconds, not a minute. `progress(done, total)` hears how far it got:
    checking is the first half, keeping the second.
    """
    rows = _read(stream, filename)
    result = ImportResult(rows=len(rows))
    policy.require(policy.can_record_contribution(actor, facility, partner))
    signed = contributions.signed_agreements_of(facility, partner)
    earliest = contributions.earliest_day(facility, partner)
    agreements = {agreement.title.casefold(): agreement for agreement in _agreements(facility, partner)}
    types, total, made = _type_words(), 2 * len(rows), []
    for done, (number, row) in enumerate(rows, start=1):
        try:
            made.append(contributions.new_contribution(facility, partner, _fields(row, agreements, types),
                                                       actor=actor, signed=signed, earliest=earliest))
        except DomainError as error:
            result.problems.append(RowProblem(number, str(error.message)))
        if done % BATCH == 0:
            progress(done, total)
    progress(len(rows), total)
    if dry_run or result.problems:
        return result
    with db.session.begin_nested():
        for start in range(0, len(made), BATCH):
            batch = made[start:start + BATCH]
            _keep(batch, facility, partner, actor)
            contributions.audit_recorded(facility, partner, batch, actor)
            progress(len(rows) + start + len(batch), total)
    result.kept = [(number, contribution.id) for (number, _row), contribution in zip(rows, made, strict=True)]
    return result




def _keep(batch: list[Contribution], facility: Organisation, partner: Organisation, actor: User) -> None:
    """One INSERT for the batch, the ids back in order; the unit of work's bookkeeping cost more than the rows."""
    tenancy.require_writable(facility.id, partner.id)  # the write guard a flush would have applied
    now = utcnow()
    rows = [{**_row_of(contribution), "status": contribution.status, "facility_id": facility.id,
             "partner_id": partner.id, "created_by_id": actor.id, "created_at": now, "version": 1}
            for contribution in batch]
    for contribution, kept_id in zip(batch, bulk.insert_rows(Contribution, rows), strict=True):
        contribution.id, contribution.created_at = kept_id, now


def _row_of(contribution: Contribution) -> dict:
    """What `contributions.new_contribution` set from a row (the declared fields, links by id); the rest of a new
    record is the pair, its author and time."""
    row = {}
    for field in FIELDS:
        value = getattr(contribution, field.name)
        if field.kind in LINKS:
            row[field.api_name] = value.id if value is not None else None
        else:
            row[field.name] = value
    return row


def _agreements(facility: Organisation, partner: Organisation) -> list[Agreement]:
    return db.session.scalars(select(Agreement).where(
        Agreement.facility_id == facility.id, Agreement.partner_id == partner.id)).unique().all()


def _read(stream: BinaryIO, filename: str) -> list[tuple[int, dict]]:
    data = stream.read()
    if not data:
        raise DomainError(_l("The file is empty."))
    if (filename or "").lower().endswith(".xlsx") or data[:2] == b"PK":
        table = _xlsx_rows(data)
    else:
        table = _csv_rows(data)
    if not table:
        raise DomainError(_l("The file has no header row."))
    header = [str(cell or "").strip().lower().replace(" ", "_") for cell in table[0]]
    named = [column for column in header if _NAME_LIKE.match(column)]
    if named:
        raise DomainError(_l('The file has a column "%(column)s" that looks like names of people. MitraPAS '
                             "keeps counts only, never names of WBP: remove the column and try again.",
                             column=named[0]))
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise DomainError(_l("Required columns are missing: %(columns)s. Use the template.",
                             columns=", ".join(missing)))
    rows = [(number, dict(zip(header, values))) for number, values in enumerate(table[1:], start=2)
            if any(str(value or "").strip() for value in values)]
    if not rows:
        raise DomainError(_l("The file has no rows below its header."))
    return rows


def _bounded(rows: Iterable[list]) -> list[list]:
    """The header and at most MAX_ROWS rows: a longer file is refused before the rest is read."""
    table = []
    for row in rows:
        if len(table) > MAX_ROWS and any(str(value or "").strip() for value in row):
            raise DomainError(_l("At most %(n)d rows at once.", n=MAX_ROWS))
        table.append(list(row))
    return table


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_l("The CSV file is not UTF-8. Save it as \"CSV UTF-8\" and try again.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    try:
        return _bounded(csv.reader(io.StringIO(text), dialect))
    except csv.Error:
        raise DomainError(_l("The CSV file cannot be read: a cell is longer than the portal accepts.")) from None


def _xlsx_rows(data: bytes) -> list[list]:
    """The first sheet's rows; a workbook that would unpack too large, or whose XML is hostile, is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise DomainError(_l("The file is not a readable XLSX workbook.")) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise DomainError(_l("The workbook unpacks to more than %(n)d MB. Split it into smaller files and try "
                             "again.", n=MAX_UNPACKED_BYTES // 1_000_000))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _bounded(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    except DomainError:
        raise
    except Exception:  # openpyxl and the XML parser raise many kinds for a file that is not a workbook
        raise DomainError(_l("The file is not a readable XLSX workbook.")) from None


def _type_words() -> dict[str, ContributionType]:
    """A type may be written as its code or its label, in either language."""
    words = {kind.value: kind for kind in ContributionType}
    for locale in ("en", "id"):
        with force_locale(locale):
            words.update({str(label).casefold(): kind for kind, label in CONTRIBUTION_TYPE.items()})
    return words


def _fields(row: dict, agreements: dict, types: dict[str, ContributionType]) -> ContributionFields:
    """A row's fields, each read from its column: the names to look up (a type, an agreement) first, then the
    others as declared (a row's first problem is the one reported)."""
    imported = [field for field in FIELDS if field.column]
    lookups = [field for field in imported if field.kind in (Kind.CHOICE, Kind.AGREEMENT)]
    read = {field.name: _cell(field, row.get(field.column), agreements, types)
            for field in (*lookups, *(field for field in imported if field not in lookups))}
    return ContributionFields(**read)


def _cell(field: Field, value, agreements: dict, types: dict[str, ContributionType]):
    """One cell read as its field's kind: a problem names the column; an empty required cell is refused."""
    column = field.column
    if field.kind == Kind.CHOICE:
        found = types.get(_text(value).casefold())
        if found is None:
            raise DomainError(_l('Unknown type "%(value)s".', value=_text(value)))
        return found
    if field.kind == Kind.AGREEMENT:
        title = _text(value)
        found = agreements.get(title.casefold()) if title else None
        if title and found is None:
            raise DomainError(_l('No agreement of this pair is called "%(title)s".', title=title))
        return found
    read = {Kind.DATE: lambda: _date(value, column), Kind.COUNT: lambda: _int(value, column),
            Kind.HOURS: lambda: _decimal(value, column)}.get(field.kind, lambda: _text(value))()
    if field.required and not read:
        _missing(column)
    return read if read or read == 0 else field.blank


def _text(value) -> str:
    """Cells are kept as text, exactly: a leading "=" is data here, never a formula."""
    return "" if value is None else str(value).strip()


def _missing(column: str):
    raise DomainError(_l('The column "%(column)s" is empty.', column=column))


def _date(value, column: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(str(value).strip(), pattern).date()
        except ValueError:
            continue
    raise DomainError(_l('"%(value)s" in "%(column)s" is not a date (use 2025-11-29 or 29/11/2025).',
                         value=value, column=column))


def _int(value, column: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or number != number.to_integral_value():
        raise DomainError(_l('"%(value)s" in "%(column)s" is not a whole number.', value=value, column=column))
    return int(number)


def _decimal(value, column: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise DomainError(_l('"%(value)s" in "%(column)s" is not a number.', value=value, column=column)) from None


def import_job(job, actor: User, report: Callable[[int, int], object]) -> tuple[bool, dict]:
    """The import as a background job (`portal.jobs.tracked`): the file previewed, kept all or none."""
    facility = db.session.get(Organisation, job.params["facility_id"])
    partner = db.session.get(Organisation, job.params["partner_id"])
    data = files.read_object(job.params["stash"])
    try:
        result = import_contributions(facility, partner, io.BytesIO(data), job.params["filename"], actor=actor,
                                      progress=report)
    except DomainError as error:  # the file changed its mind between preview and import: say why
        return False, {"rows": 0, "kept": [], "problems": [[None, str(error.message)]]}
    if result.ok:
        files.remove_after_commit(job.params["stash"], db.session)
    return result.ok, {"rows": result.rows, "kept": result.kept,
                       "problems": [[problem.row, problem.message] for problem in result.problems]}
