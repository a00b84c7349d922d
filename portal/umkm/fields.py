"""A product's fields and a sale's, declared once: label, kind, checks, help and API name.

The forms (`blueprints.umkm.forms`), the API's schemas (`blueprints.api.schemas`) and the dataclasses the services
take (`ProductFields`, `SaleFields`) are built from these tuples, so a new field is one entry here, its column in
the model and its migration. The rules that relate fields to each other (a price range, a partner of the facility)
stay in the services (`portal.umkm.products`, `portal.umkm.sales`).
"""
from __future__ import annotations

from dataclasses import dataclass, make_dataclass
from datetime import date
from decimal import Decimal
import enum

from flask_babel import lazy_gettext as _l

from portal.umkm.models import BuyerKind, ProductCategory


class Kind(enum.StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    #: One of an enum's values (`Field.choices`).
    CHOICE = "choice"
    #: Rupiah, an exact decimal (`portal.core.money`).
    RUPIAH = "rupiah"
    #: A whole number from `least`: counts, never names.
    COUNT = "count"
    DATE = "date"
    #: One of the facility's partners (by id), or none.
    PARTNER = "partner"


@dataclass(frozen=True)
class Field:
    #: The model's attribute, the form's field and the API's property (a partner's: `partner_id`).
    name: str
    label: object
    kind: Kind
    required: bool = False
    max_length: int | None = None
    help: object = None
    choices: type[enum.Enum] | None = None
    #: The least a count may be.
    least: int = 0
    #: Fields with the same row sit side by side on the form page.
    row: str | None = None

    @property
    def api_name(self) -> str:
        return f"{self.name}_id" if self.kind == Kind.PARTNER else self.name


PRODUCT_FIELDS: tuple[Field, ...] = (
    Field("name", _l("Product name"), Kind.TEXT, required=True, max_length=200,
          help=_l("As a buyer would ask for it, e.g. \"Kain batik besurek tulis\"")),
    Field("category", _l("Category"), Kind.CHOICE, required=True, choices=ProductCategory),
    Field("description", _l("Description"), Kind.LONG_TEXT, max_length=5000,
          help=_l("What it is, what it is made of, sizes and colours. Never an inmate's name.")),
    Field("price_min", _l("Lowest price (Rp)"), Kind.RUPIAH, row="price", help=_l("e.g. 150.000")),
    Field("price_max", _l("Highest price (Rp)"), Kind.RUPIAH, row="price"),
    Field("unit", _l("Price per"), Kind.TEXT, max_length=60, row="price", help=_l("e.g. lembar, pak 250 g")),
    Field("monthly_capacity", _l("Capacity per month"), Kind.COUNT, row="numbers",
          help=_l("How many units the workshop can make in a month.")),
    Field("makers", _l("Inmates working on it"), Kind.COUNT, row="numbers", help=_l("A count; never names.")),
)

SALE_FIELDS: tuple[Field, ...] = (
    Field("sold_on", _l("Date of the sale"), Kind.DATE, required=True, row="what"),
    Field("quantity", _l("Quantity"), Kind.COUNT, required=True, least=1, row="what"),
    Field("amount", _l("Amount (Rp)"), Kind.RUPIAH, required=True, row="what",
          help=_l("The whole sale, e.g. 1.250.000")),
    Field("buyer_kind", _l("Buyer"), Kind.CHOICE, required=True, choices=BuyerKind, row="who"),
    Field("partner", _l("Partner who brought or helped the sale"), Kind.PARTNER, row="who",
          help=_l("Leave empty for the facility's own sale.")),
)

_TYPES = {Kind.TEXT: str, Kind.LONG_TEXT: str, Kind.RUPIAH: Decimal, Kind.COUNT: int, Kind.DATE: date,
          Kind.PARTNER: int}


def _type(field: Field):
    return field.choices if field.kind == Kind.CHOICE else _TYPES[field.kind]


def _blank(field: Field):
    return "" if field.kind in (Kind.TEXT, Kind.LONG_TEXT) else None


def given_fields(name: str, fields: tuple[Field, ...]):
    """What a record says, as a form or the API gives it to its service: required fields first, then the rest with
    their blank ("" for text, None otherwise); `of(record)` reads them off a stored record."""

    def of(cls, record):
        return cls(**{field.api_name: getattr(record, field.api_name) for field in fields})

    return make_dataclass(
        name, [(field.api_name, _type(field)) for field in fields if field.required]
        + [(field.api_name, _type(field) | None, _blank(field)) for field in fields if not field.required],
        namespace={"of": classmethod(of), "__module__": __name__})


ProductFields = given_fields("ProductFields", PRODUCT_FIELDS)
SaleFields = given_fields("SaleFields", SALE_FIELDS)
