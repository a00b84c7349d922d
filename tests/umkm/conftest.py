"""The people around Rutan Bengkulu's products (the report of 11 November 2025): its staff, the cooperative office and
BLK it works with, a shop it does not, its Kanwil, and another facility."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest

from portal.accounts.models import User
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.models import Organisation, Role
from portal.umkm import products
from portal.umkm.fields import ProductFields
from portal.umkm.models import ProductCategory
from tests.factories import FacilityFactory, OversightFactory, PartnerFactory, PartnershipFactory, member_of


class Market:
    """Everyone by name (`market.facility`, `market.officer`...). Each is read again, as every tenant sees it, whenever
    a test asks for it: on PostgreSQL a commit forgets what was read, and nobody acting may read it back."""

    facility: Organisation
    cooperative_office: Organisation
    blk: Organisation
    shop: Organisation
    kanwil: Organisation
    other_facility: Organisation
    head: User
    officer: User
    section_head: User
    viewer: User
    cooperative_admin: User
    blk_admin: User
    shop_admin: User
    analyst: User
    other_head: User

    def __init__(self, **people_and_places):
        self._known = {name: (type(record), record.id) for name, record in people_and_places.items()}

    def __getattr__(self, name):
        known = self.__dict__.get("_known", {})
        if name not in known:
            raise AttributeError(name)
        model, record_id = known[name]
        with unscoped("test: the world's people and organisations, whoever acts"):
            record = db.session.get(model, record_id)
            db.session.refresh(record)
        return record

    @contextmanager
    def acting(self, organisation: Organisation):
        with acting_for(organisation):
            yield

    def batik(self, **changes):
        """Kain batik besurek, made by the facility's workshop, through the service."""
        values = dict(name="Kain batik besurek tulis", category=ProductCategory.HANDICRAFT,
                      description="Batik tulis motif besurek khas Bengkulu, 2 x 1,15 m.",
                      price_min=Decimal("250000"), price_max=Decimal("450000"), unit="lembar",
                      monthly_capacity=40, makers=8)
        values.update(changes)
        with acting_for(self.facility):
            made = products.create(self.facility, ProductFields(**values), actor=self.officer)
            db.session.commit()
        return read_back(made)

    def shown(self, product):
        with acting_for(self.facility):
            products.show_in_catalogue(product, True, actor=self.officer)
            db.session.commit()
        return read_back(product)


def read_back(record):
    """`record` as stored, read as every tenant sees it (after a commit, on PostgreSQL, nobody acting may)."""
    with unscoped("test: what was stored"):
        db.session.refresh(record)
    return record


def build_market(public_page: bool = True) -> Market:
    facility = FacilityFactory(name="Rutan Kelas IIB Bengkulu", slug="rutan-bengkulu", province="Bengkulu",
                               public_page=public_page)
    cooperative_office = PartnerFactory(name="Dinas Koperasi dan UKM Provinsi Bengkulu")
    blk = PartnerFactory(name="Balai Latihan Kerja Bengkulu")
    shop = PartnerFactory(name="Toko Oleh-oleh Khas Bengkulu")
    for partner in (cooperative_office, blk):
        PartnershipFactory(facility=facility, partner=partner)
    other_facility = FacilityFactory(name="Rutan Kelas IIA Balikpapan", province="Kalimantan Timur", public_page=True)
    PartnershipFactory(facility=other_facility, partner=shop)
    kanwil = OversightFactory(name="Kanwil Ditjenpas Bengkulu", province="Bengkulu")
    return Market(
        facility=facility, cooperative_office=cooperative_office, blk=blk, shop=shop, kanwil=kanwil,
        other_facility=other_facility,
        head=member_of(facility, Role.HEAD, name="Yulian Fernando"),
        officer=member_of(facility, Role.OFFICER, name="Rafi Rizaldi"),
        section_head=member_of(facility, Role.SECTION, name="Kasi Kegiatan Kerja"),
        viewer=member_of(facility, Role.VIEWER),
        cooperative_admin=member_of(cooperative_office, Role.ADMIN, name="Admin Diskop UKM"),
        blk_admin=member_of(blk, Role.ADMIN, name="Admin BLK"),
        shop_admin=member_of(shop, Role.ADMIN),
        analyst=member_of(kanwil, Role.ANALYST),
        other_head=member_of(other_facility, Role.HEAD),
    )


@pytest.fixture
def market(storage_settings) -> Market:
    return build_market()


def today() -> date:
    return date.today()


def as_everyone(query):
    with unscoped("test: what is stored, whoever may read it"):
        return query()
