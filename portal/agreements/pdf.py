"""The agreement's PDFs: the text generated from its fields, and the certificate page.

Always in Bahasa Indonesia, whatever language the signer reads the portal in:
the PDF is the legal record both parties keep.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
import io
from xml.sax.saxutils import escape

from flask_babel import force_locale, format_date, gettext as _
from pypdf import PdfReader, PdfWriter
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.agreements.labels import AGREEMENT_KIND, AGREEMENT_TYPE, SIGNATURE_METHOD, step_name
from portal.agreements.models import Agreement, Party, Signature
from portal.core import clock, i18n
from portal.core.pdf_kit import styles as _styles, text as _text


def _date(value: date | None) -> str:
    return format_date(value, "d MMMM y") if value else "-"


_moment = i18n.exact_moment


#: Where each party's PAdES signature appears on the first certificate page (points, from the bottom left):
#: the facility (first party) on the left, the partner (second party) on the right.
SIGNATURE_BOXES = {Party.FACILITY: (2 * cm, 2 * cm, 10.2 * cm, 6.2 * cm),
                   Party.PARTNER: (10.8 * cm, 2 * cm, 19 * cm, 6.2 * cm)}


def _render(story: list, *, bottom=2 * cm, on_first_page=None) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                                 bottomMargin=bottom, title="MitraPAS", author="MitraPAS")
    if on_first_page:
        document.build(story, onFirstPage=on_first_page)
    else:
        document.build(story)
    return buffer.getvalue()


def _grid(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, "#888888"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), "#f1f3f5"),
    ]))
    return table


def agreement_text(agreement: Agreement) -> bytes:
    """The agreement written out from its fields (when the approved draft was a DOCX)."""
    with force_locale("id"):
        style = _styles()
        story = [
            Paragraph(_text(str(AGREEMENT_KIND[agreement.kind]).upper()), style["title"]),
            Paragraph(_text(agreement.title), style["title"]),
            Paragraph(_("between %(facility)s and %(partner)s", facility=escape(agreement.facility.name),
                        partner=escape(agreement.partner.name)), style["subtitle"]),
            Spacer(1, 8),
            Paragraph(_("Number: %(facility)s (facility) · %(partner)s (partner)",
                        facility=_text(agreement.facility_number), partner=_text(agreement.partner_number)),
                      style["subtitle"]),
            Paragraph(_("Type: %(type)s · In force from %(start)s to %(end)s",
                        type=AGREEMENT_TYPE[agreement.type], start=_date(agreement.start_date),
                        end=_date(agreement.end_date)), style["subtitle"]),
        ]
        sections = [
            (_("Scope"), agreement.scope),
            (_("Objectives"), agreement.objectives),
            (_("Rights of %(party)s", party=agreement.facility.name), agreement.facility_rights),
            (_("Obligations of %(party)s", party=agreement.facility.name), agreement.facility_obligations),
            (_("Rights of %(party)s", party=agreement.partner.name), agreement.partner_rights),
            (_("Obligations of %(party)s", party=agreement.partner.name), agreement.partner_obligations),
        ]
        for heading, body in sections:
            story += [Paragraph(_text(heading), style["heading"]), Paragraph(_text(body), style["body"])]
        story += [Paragraph(_("Signatories"), style["heading"]), _signatory_table(agreement, style)]
        return _render(story)


def _signatory_table(agreement: Agreement, style) -> Table:
    rows = []
    for organisation, person, position, nip in (
        (agreement.facility, agreement.facility_signatory, agreement.facility_signatory_position,
         agreement.facility_signatory_nip),
        (agreement.partner, agreement.partner_signatory, agreement.partner_signatory_position,
         agreement.partner_signatory_nip),
    ):
        details = "<br/>".join(_text(line) for line in (
            person.name if person else "-", position, f"NIP {nip}" if nip else None) if line)
        rows.append([Paragraph(_text(organisation.name), style["cell_bold"]), Paragraph(details, style["cell"])])
    return _grid(rows, [6 * cm, 11 * cm])


@dataclass(frozen=True)
class CertificateFacts:
    """What the certificate page states; the caller gathers it."""

    agreement: Agreement
    signatures: list[Signature]
    document_sha256: str
    verification_code: str
    verification_url: str
    issued_at: datetime
    #: Signed electronically: the page carries an empty box per party, which its PAdES signature fills.
    electronic: bool = False


def certificate_page(facts: CertificateFacts) -> bytes:
    """The page appended to the signed document: parties, signatories, times, hashes, QR code."""
    agreement = facts.agreement
    with force_locale("id"):
        style = _styles()
        cell, bold = style["cell"], style["cell_bold"]
        story = [
            Paragraph(_("CERTIFICATE OF ELECTRONIC SIGNING"), style["title"]),
            Paragraph(_text(agreement.title), style["subtitle"]),
            Spacer(1, 10),
            _grid([
                [Paragraph(_("Agreement"), bold), Paragraph(_text(str(AGREEMENT_KIND[agreement.kind])), cell)],
                [Paragraph(_("Facility number"), bold), Paragraph(_text(agreement.facility_number), cell)],
                [Paragraph(_("Partner number"), bold), Paragraph(_text(agreement.partner_number), cell)],
                [Paragraph(_("First party"), bold), Paragraph(_text(agreement.facility.name), cell)],
                [Paragraph(_("Second party"), bold), Paragraph(_text(agreement.partner.name), cell)],
                [Paragraph(_("Period"), bold), Paragraph(
                    f"{_date(agreement.start_date)} – {_date(agreement.end_date)}", cell)],
                *([[Paragraph(_("Approval"), bold), Paragraph(_approval(agreement), cell)]]
                  if agreement.round_steps else []),
                [Paragraph(_("SHA-256 of the signed document"), bold),
                 Paragraph(facts.document_sha256, style["small"])],
            ], [5 * cm, 12 * cm]),
            Paragraph(_("Signatures"), style["heading"]),
        ]
        if facts.electronic:
            return _electronic_page(facts, story, style)
        rows = [[Paragraph(_("Party"), bold), Paragraph(_("Signatory"), bold), Paragraph(_("Signed"), bold),
                 Paragraph(_("SHA-256 signed"), bold)]]
        for signature in facts.signatures:
            who = "<br/>".join(_text(line) for line in (signature.name, signature.position,
                                                        f"NIP {signature.nip}" if signature.nip else None) if line)
            how = f"{_moment(signature.signed_at)}<br/>{_text(str(SIGNATURE_METHOD[signature.method]))}"
            if signature.signed_on:  # on paper: the date on the paper, then when the scan was confirmed
                how = (f"{_date(signature.signed_on)}<br/>{_text(str(SIGNATURE_METHOD[signature.method]))}<br/>"
                       + _text(_("confirmed %(moment)s", moment=_moment(signature.signed_at))))
            rows.append([Paragraph(_text(signature.organisation_name), cell), Paragraph(who, cell),
                         Paragraph(how, cell), Paragraph(signature.sha256, style["small"])])
        table = Table(rows, colWidths=[3.6 * cm, 4.4 * cm, 4 * cm, 5 * cm], hAlign="LEFT")
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "#888888"),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, 0), "#f1f3f5")]))
        story += [table, Spacer(1, 14), _verification_block(facts, style)]
        story.append(Paragraph(_("Issued by MitraPAS on %(moment)s.", moment=_moment(facts.issued_at)),
                               style["small"]))
        return _render(story)


def _approval(agreement: Agreement) -> str:
    """The approval steps of its last round on one line (issue 37): "1. Reviu petugas: Rafi Rizaldi (Rutan ...),
    7 Desember 2026; 2. ..."; names are the facility's own, escaped."""
    steps = []
    for number, step in enumerate(agreement.round_steps, start=1):
        who = step.decided_by_name or "-"
        if step.decided_for is not None:
            who = f"{who} ({step.decided_for.name})"
        when = _date(clock.local_date(step.decided_at)) if step.decided_at else "-"
        steps.append(f"{number}. {_text(step_name(step))}: {_text(who)}, {when}")
    return "; ".join(steps)


def _electronic_page(facts: CertificateFacts, story: list, style) -> bytes:
    """The boxes stay empty here: each party's signature fills its own, so the page is never redrawn."""
    story += [
        _signatory_table(facts.agreement, style), Spacer(1, 8),
        Paragraph(_("Each party signs below with an electronic signature (PAdES) made by the portal when "
                    "its signatory signs. A PDF reader shows who signed, when, and whether the file has changed "
                    "since; the time of each signature is stamped by a time-stamping authority."), style["body"]),
        Spacer(1, 14), _verification_block(facts, style),
        Paragraph(_("Issued by MitraPAS on %(moment)s.", moment=_moment(facts.issued_at)), style["small"]),
    ]
    labels = {Party.FACILITY: _("First party: %(name)s", name=facts.agreement.facility.name),
              Party.PARTNER: _("Second party: %(name)s", name=facts.agreement.partner.name)}
    font = style["small"].fontName

    def draw_labels(canvas, _document):
        canvas.saveState()
        canvas.setFont(font, 7.5)
        for party, (left, bottom, right, top) in SIGNATURE_BOXES.items():
            canvas.drawString(left, top + 4, labels[party][:70])
        canvas.restoreState()

    return _render(story, bottom=7 * cm, on_first_page=draw_labels)


def _verification_block(facts: CertificateFacts, style) -> Table:
    qr = QrCodeWidget(facts.verification_url, barLevel="M")
    left, bottom, right, top = qr.getBounds()
    size = 3.6 * cm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(qr)
    explanation = Paragraph(
        _("Verification code: <b>%(code)s</b><br/>Scan the QR code or open %(url)s to check that this "
          "document is authentic. The page confirms the agreement's number, parties and status, and "
          "recognises this file by its fingerprint.", code=escape(facts.verification_code),
          url=escape(facts.verification_url)), style["body"])
    table = Table([[drawing, explanation]], colWidths=[4 * cm, 13 * cm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def final_pdf(signed_document: bytes, certificate: bytes) -> bytes:
    """The signed document's pages, then the certificate page, as one PDF."""
    writer = PdfWriter()
    for part in (signed_document, certificate):
        writer.append(PdfReader(io.BytesIO(part)))
    writer.add_metadata({"/Title": "MitraPAS", "/Producer": "MitraPAS"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
