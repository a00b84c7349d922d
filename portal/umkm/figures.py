"""What the facilities sell, as the dashboards, their exports, the monthly report and `GET /api/v1/figures` show it:
sales by month, by category, by partner and by facility. Only sales that happened count (a cancelled one does not);
amounts are summed by the database as exact decimals."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import format_date, lazy_gettext as _l
from sqlalchemy import case, func, select

from portal.core.exports import Column, Table
from portal.core.vocabulary import label
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.umkm.models import Sale

#: Counted sales and summed Rupiah; never their quantities (6 lembar and 100 kotak are not 106 of anything).
_SUMS = (func.count(Sale.id).label("sales"), func.coalesce(func.sum(Sale.amount), 0).label("amount"),
         func.coalesce(func.sum(case((Sale.partner_id.is_not(None), Sale.amount), else_=0)), 0).label("helped"))
_COLUMNS = (Column("sales", _l("Sales"), "int"), Column("amount", _l("Amount"), "rupiah"),
            Column("helped", _l("With a partner's help"), "rupiah"))


def _rows(key, conditions, order) -> list:
    return db.session.execute(select(key.label("key"), *_SUMS).where(*conditions).group_by(key).order_by(order)).all()


def _table(name: str, title, heading, rows, show=str, links=None) -> Table:
    cells = [(show(row.key), int(row.sales), Decimal(row.amount), Decimal(row.helped)) for row in rows]
    total = (_l("Total"), sum(c[1] for c in cells), sum((c[2] for c in cells), Decimal(0)),
             sum((c[3] for c in cells), Decimal(0))) if cells else None
    return Table(name, title, (Column("key", heading, "text"), *_COLUMNS), cells, total=total, links=links)


def by_month(conditions) -> Table:
    month = func.min(Sale.sold_on)
    rows = db.session.execute(
        select(func.extract("year", Sale.sold_on).label("year"), func.extract("month", Sale.sold_on).label("month"),
               month.label("key"), *_SUMS).where(*conditions)
        .group_by("year", "month").order_by("year", "month")).all()
    return _table("sales-by-month", _l("Sales of products by month"), _l("Month"), rows,
                  show=lambda day: format_date(day, "MMM y"))


def by_category(conditions) -> Table:
    return _table("sales-by-category", _l("Sales of products by category"), _l("Category"),
                  _rows(Sale.category, conditions, Sale.category), show=label)


def by_partner(conditions) -> Table:
    rows = db.session.execute(
        select(Organisation.name.label("key"), *_SUMS).select_from(Sale)
        .outerjoin(Organisation, Organisation.id == Sale.partner_id).where(*conditions)
        .group_by(Organisation.name).order_by(Organisation.name.is_(None), Organisation.name)).all()
    return _table("sales-by-partner", _l("Sales of products by partner who helped"), _l("Partner"), rows,
                  show=lambda name: name or str(_l("None: the facility's own")))


def by_facility(conditions) -> Table:
    rows = db.session.execute(
        select(Organisation.name.label("key"), Organisation.id.label("facility_id"), *_SUMS).select_from(Sale)
        .join(Organisation, Organisation.id == Sale.facility_id).where(*conditions)
        .group_by(Organisation.name, Organisation.id).order_by(Organisation.name)).all()
    return _table("sales-by-facility", _l("Sales of products by facility"), _l("Facility"), rows,
                  links=[row.facility_id for row in rows])
