"""A contribution's fields, and a programme's, declared once: label, kind, checks, import column, export heading
and API name.

The form (`blueprints.contributions.forms`), the API's schemas (`blueprints.api.schemas`), the importer, the
export, the audit summary and `ContributionFields` are all built from `FIELDS`, so a new field is one entry
here, its column in the model and its migration. Where a field sits on the form page (`side`, `row`) is said
here too, so the page lays out a new field without its template being touched. The rules that relate fields to
each other (totals, dates, agreements) stay in `operations.problems`.

A programme's fields (`PROGRAMME_FIELDS`) are declared the same way: its form, the API's schemas and
`ProgrammeFields` are built from them (its closing, with its own form and schema, is not among them); the rules
that relate them stay in `programmes.create_programme`.
"""
from __future__ import annotations

from dataclasses import dataclass, make_dataclass
from datetime import date
from decimal import Decimal
import enum

from flask_babel import lazy_gettext as _l

from portal.agreements.models import Agreement
from portal.contributions.models import Contribution, ContributionType, Programme
from portal.core import clock


class Kind(enum.StrEnum):
    #: The kind of contribution (`ContributionType`), chosen from its list.
    CHOICE = "choice"
    #: One line of text.
    TEXT = "text"
    #: Paragraphs.
    LONG_TEXT = "long_text"
    DATE = "date"
    #: People reached: a whole number (counts, never names).
    COUNT = "count"
    #: A decimal with one place.
    HOURS = "hours"
    #: The pair's agreement it falls under; named by id in the API and by title in an import.
    AGREEMENT = "agreement"
    #: The programme it is a session of; named by id in the API.
    PROGRAMME = "programme"


#: Kinds that link to another record of the pair (the model holds `<name>_id`).
LINKS = (Kind.AGREEMENT, Kind.PROGRAMME)


@dataclass(frozen=True)
class Field:
    #: The model's attribute, the form's field and (but for links) the API's property.
    name: str
    #: The form's label; the contribution's page shows it too.
    label: object
    kind: Kind
    required: bool = False
    #: The most characters its text may have (the column's length).
    max_length: int | None = None
    #: What the form says when a required field is left empty, where its default would not say enough.
    required_message: object = None
    #: Help shown under the form's field.
    help: object = None
    #: Its column in the import template (Indonesian, as the people filling it in read it); None: not imported.
    column: str | None = None
    #: What the template's example row holds in it (a callable: computed when the template is made).
    example: object = ""
    #: Its heading in the contributions export; None: not exported.
    export: object = None
    #: Whether an API caller may set it (every field is given out).
    api_in: bool = True
    #: On the form page's right-hand column (figures and details) rather than the left (what, when, under what).
    side: bool = False
    #: Fields with the same row sit side by side on the form page.
    row: str | None = None
    #: The least a number may be on the form (the API's `Count` allows no less than 0 anyway).
    least: int | None = None
    #: The model whose column holds it.
    record: type = Contribution

    @property
    def api_name(self) -> str:
        return f"{self.name}_id" if self.kind in LINKS else self.name

    @property
    def blank(self):
        """What an empty value is kept as: None, or "" where the column may not be null."""
        return None if self.record.__table__.c[self.api_name].nullable else ""

    def example_value(self):
        return self.example() if callable(self.example) else self.example


FIELDS: tuple[Field, ...] = (
    Field("type", _l("Type of contribution"), Kind.CHOICE, required=True,
          required_message=_l("Choose the type of contribution."), column="jenis", example="counselling",
          export=_l("Type")),
    Field("title", _l("Title"), Kind.TEXT, required=True, max_length=300, column="judul",
          example="Konseling psikologis", export=_l("Title")),
    Field("description", _l("What was done"), Kind.LONG_TEXT, max_length=5000, column="uraian"),
    Field("started_on", _l("Date (or first day)"), Kind.DATE, required=True, column="tanggal_mulai",
          example=lambda: clock.today().isoformat(), export=_l("Start date"), row="dates"),
    Field("ended_on", _l("Last day (for several days)"), Kind.DATE, column="tanggal_selesai", export=_l("End date"),
          row="dates"),
    Field("participants_male", _l("WBP participants: men"), Kind.COUNT, column="peserta_laki_laki", example=10,
          export=_l("WBP participants: men"), side=True, row="participants"),
    Field("participants_female", _l("WBP participants: women"), Kind.COUNT, column="peserta_perempuan", example=2,
          export=_l("WBP participants: women"), side=True, row="participants"),
    Field("participants_total", _l("WBP participants: total"), Kind.COUNT, column="peserta_total", example=12,
          export=_l("WBP participants: total"), side=True, row="participants"),
    Field("hours", _l("Hours"), Kind.HOURS, column="jam", example=3, export=_l("Hours"), side=True),
    Field("partner_people", _l("People of the partner involved"), Kind.TEXT, max_length=300,
          help=_l("e.g. 2 counsellors, 3 psychology interns"), column="personel_mitra",
          example="2 peserta magang psikologi", side=True),
    Field("location", _l("Where in the facility"), Kind.TEXT, max_length=200, column="lokasi",
          example="Klinik Pratama", side=True),
    Field("agreement", _l("Agreement it falls under"), Kind.AGREEMENT, column="perjanjian"),
    Field("programme", _l("Programme"), Kind.PROGRAMME, api_in=False),
)

BY_NAME = {field.name: field for field in FIELDS}


def in_sheet_order(fields=FIELDS) -> tuple[Field, ...]:
    """Dates first, then as declared: the order of the import template, the export and the API's details."""
    return tuple(sorted(fields, key=lambda field: field.kind != Kind.DATE))


#: The import template's fields, in its columns' order.
IMPORTED = tuple(field for field in in_sheet_order() if field.column)
#: The export's fields, in its columns' order.
EXPORTED = tuple(field for field in in_sheet_order() if field.export)
#: What the contribution's page lists one per line: the right-hand column's fields that stand alone.
DETAILS = tuple(field for field in FIELDS if field.side and field.row is None)

_TYPES = {Kind.CHOICE: ContributionType, Kind.TEXT: str, Kind.LONG_TEXT: str, Kind.DATE: date, Kind.COUNT: int,
          Kind.HOURS: Decimal, Kind.AGREEMENT: Agreement, Kind.PROGRAMME: Programme}


def given_fields(name: str, fields: tuple[Field, ...]):
    """What a record says, as the form, the API and the import give it to its service: the required fields first,
    then the others (with their blank as default)."""

    def of(cls, record):
        """The fields as a record holds them (a form filled in to correct it; the API's change applied)."""
        return cls(**{field.name: getattr(record, field.name) for field in fields})

    return make_dataclass(
        name, [(field.name, _TYPES[field.kind]) for field in fields if field.required]
        + [(field.name, _TYPES[field.kind] | None, field.blank) for field in in_sheet_order(fields)
           if not field.required],
        namespace={"of": classmethod(of), "__module__": __name__})


ContributionFields = given_fields("ContributionFields", FIELDS)


def _programmes(*args, **kwargs) -> Field:
    return Field(*args, record=Programme, **kwargs)


#: A programme's fields, in the order its form shows them.
PROGRAMME_FIELDS: tuple[Field, ...] = (
    _programmes("name", _l("Name of the programme"), Kind.TEXT, required=True, max_length=300),
    _programmes("type", _l("Type"), Kind.CHOICE, required=True,
                required_message=_l("Choose the type of the programme.")),
    _programmes("category", _l("Category or level"), Kind.TEXT, max_length=120, help=_l("e.g. Kategori II")),
    _programmes("duration_days", _l("Duration (days)"), Kind.COUNT, least=0),
    _programmes("start_date", _l("Start date"), Kind.DATE, required=True, row="dates"),
    _programmes("end_date", _l("End date"), Kind.DATE, row="dates"),
    _programmes("planned_participants", _l("Planned participants"), Kind.COUNT, least=0),
    _programmes("agreement", _l("Agreement it falls under"), Kind.AGREEMENT),
)

#: What a programme says when it opens, as the form and the API give it to `programmes.create_programme`.
ProgrammeFields = given_fields("ProgrammeFields", PROGRAMME_FIELDS)
