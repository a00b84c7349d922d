"""`python -m tests.deployed.seed_agreements N [PAIR [TITLE]]`: N approved PKS of one pair (PAIRS; default Rutan
Tamiang Layang and RSUD Tamiang Layang), titled "TITLE 1", ... (the pair's own title unless told).

Run with the deployed stack's environment, through the same services people use,
so a story has many agreements waiting for their signatures.
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

#: name -> (facility, partner, its head, the partner's signatory, the facility's officer, type, title before "N").
PAIRS = {
    "tamiang-layang": ("Rutan Kelas IIB Tamiang Layang", "RSUD Tamiang Layang", "agung.novarianto@mitrapas.test",
                       "vinny.safari@mitrapas.test", "pelayanan@rutan-tamiang-layang.mitrapas.test",
                       AgreementType.HEALTH_REFERRAL, "Rujukan kesehatan tahap"),
    # Nobody else's story signs for this pair: its signatories' two-factor sign-in is the backup story's.
    "purwokerto": ("Lapas Narkotika Kelas IIB Purwokerto", "Program Pemagangan Kemnaker (MagangHub)",
                   "kalapas@lapas-purwokerto.mitrapas.test", "magang@kemnaker.mitrapas.test",
                   "yudi.suhartono@mitrapas.test", AgreementType.COUNSELLING, "Konsultasi menjelang bebas tahap"),
}


def main(count: int, pair: str = "tamiang-layang", title: str | None = None) -> None:
    facility_name, partner_name, head_email, director_email, officer_email, kind, pair_title = PAIRS[pair]
    title = title or pair_title
    app = create_app()
    with app.app_context(), unscoped("test set-up across both parties"):
        facility = db.session.query(Organisation).filter_by(name=facility_name).one()
        partner = db.session.query(Organisation).filter_by(name=partner_name).one()
        head, director = accounts.find_user(head_email), accounts.find_user(director_email)
        officer = accounts.find_user(officer_email)
        for number in range(1, count + 1):
            fields = AgreementFields(type=kind, title=f"{title} {number}",
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
    main(int(sys.argv[1]), *sys.argv[2:4])
