"""`python -m tests.deployed.seed_agreements N`: N approved PKS between Rutan Tamiang Layang and RSUD Tamiang Layang.

Run with the deployed stack's environment, through the same services people use,
so a fault test has many agreements waiting for their signatures.
"""
from datetime import date
import io
import sys

from portal import create_app
from portal.accounts import operations as accounts
from portal.agreements import operations as agreements, pdf as agreement_pdf
from portal.agreements.models import AgreementType
from portal.agreements.operations import AgreementFields
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Organisation


def main(count: int) -> None:
    app = create_app()
    with app.app_context(), unscoped("test set-up across both parties"):
        facility = db.session.query(Organisation).filter_by(name="Rutan Kelas IIB Tamiang Layang").one()
        partner = db.session.query(Organisation).filter_by(name="RSUD Tamiang Layang").one()
        head, director = (accounts.find_user("agung.novarianto@mitrapas.test"),
                          accounts.find_user("vinny.safari@mitrapas.test"))
        officer = accounts.find_user("pelayanan@rutan-tamiang-layang.mitrapas.test")
        for number in range(1, count + 1):
            fields = AgreementFields(type=AgreementType.HEALTH_REFERRAL, title=f"Rujukan kesehatan tahap {number}",
                                     start_date=date(2026, 1, 1), end_date=date(2027, 12, 31),
                                     facility_signatory=head, partner_signatory=director)
            agreement = agreements.create_agreement(facility, partner, fields, actor=director)
            agreements.add_draft_document(agreement, io.BytesIO(agreement_pdf.agreement_text(agreement)),
                                          "draf.pdf", actor=director)
            agreements.submit_agreement(agreement, actor=director)
            agreements.forward_agreement(agreement, actor=officer)
            agreements.approve_agreement(agreement, actor=head)
            db.session.commit()


if __name__ == "__main__":
    main(int(sys.argv[1]))
