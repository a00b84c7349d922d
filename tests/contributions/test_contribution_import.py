"""Importing contributions from CSV and XLSX: all rows or none, errors per row, names refused."""
from datetime import date, timedelta
import io

from openpyxl import Workbook
import pytest
from sqlalchemy import func, select

from portal.contributions import importer as contribution_import
from portal.contributions.models import Contribution
from portal.core.errors import DomainError
from portal.core.tenancy import unscoped
from portal.extensions import db

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
HEADER = "tanggal_mulai,tanggal_selesai,jenis,judul,uraian,peserta_laki_laki,peserta_perempuan,peserta_total,jam"


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8-sig") -> io.BytesIO:
    return io.BytesIO(("\r\n".join((header, *rows)) + "\r\n").encode(encoding))


def run(pks, stream, filename="kontribusi.csv", dry_run=False):
    with pks.acting(pks.partner_member):
        return contribution_import.import_contributions(pks.facility, pks.partner, stream, filename,
                                                        actor=pks.partner_member, dry_run=dry_run)


def recorded() -> int:
    with unscoped("the test counts every contribution"):
        return db.session.scalar(select(func.count()).select_from(Contribution))


def test_a_valid_csv_is_previewed_then_imported(pks):
    rows = [f"{YESTERDAY},,counselling,Konseling sesi {n},,10,2,12,3" for n in range(3)]
    preview = run(pks, csv_file(*rows), dry_run=True)
    assert preview.ok and preview.rows == 3 and recorded() == 0
    assert run(pks, csv_file(*rows)).ok and recorded() == 3


def test_an_xlsx_with_indonesian_type_labels_is_imported(pks):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(contribution_import.COLUMNS)
    sheet.append([date.today() - timedelta(days=2), None, "Konsultasi menjelang bebas", "Konsultasi jelang bebas",
                  "Pendampingan sosial", 20, 0, 20, 2, "peserta magang sosiologi", "Ruang Sekretariat", None])
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    assert run(pks, output, "kontribusi.xlsx").ok and recorded() == 1


def test_one_bad_row_means_nothing_is_imported_and_the_row_is_named(pks):
    rows = [f"{YESTERDAY},,counselling,Sesi baik,,10,2,12,3",
            f"{YESTERDAY},,counselling,Sesi buruk,,10,5,12,3",
            f"{YESTERDAY},,jenis-asing,Sesi aneh,,1,1,2,1"]
    result = run(pks, csv_file(*rows))
    assert not result.ok and recorded() == 0
    assert [(problem.row, problem.message[:30]) for problem in result.problems] == [
        (3, "Laki-laki dan perempuan bersam"), (4, 'Jenis "jenis-asing" tidak dike')]


def test_a_file_that_is_not_utf8_is_refused_with_what_to_do(pks):
    with pytest.raises(DomainError, match="UTF-8"):
        run(pks, csv_file(f"{YESTERDAY},,counselling,Sesi di Aula Utama – lantai dua,,1,1,2,1", encoding="cp1252"))


def test_a_column_of_names_is_refused_outright(pks):
    with pytest.raises(DomainError, match="nama_wbp"):
        run(pks, csv_file(f"{YESTERDAY},,counselling,Sesi,Budi;Andi", header="tanggal_mulai,tanggal_selesai,"
                                                                            "jenis,judul,nama_wbp"))
    assert recorded() == 0


def test_a_formula_in_a_cell_is_kept_as_plain_text(pks):
    formula = "=cmd|' /C calc'!A0"
    assert run(pks, csv_file(f'{YESTERDAY},,counselling,"{formula}",,1,1,2,1')).ok
    with unscoped("the test reads what was stored"):
        assert db.session.scalar(select(Contribution.title)) == formula


def test_the_templates_have_the_columns(pks):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(contribution_import.template_xlsx())).active
    assert [cell.value for cell in sheet[1]] == list(contribution_import.COLUMNS)
    assert contribution_import.template_csv().decode("utf-8-sig").strip().split(",") == list(contribution_import.COLUMNS)


def test_the_import_page_previews_then_imports_the_same_file(pks, login_as):
    from portal.organisations.partnership_models import Partnership

    with unscoped("the test looks up its own pair"):
        pair = db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))
    web = login_as(pks.partner_member)
    url = f"/o/{pks.partner.slug}/contributions/import?pair={pair}"
    bad = web.post(url, {"file": (csv_file(f"{YESTERDAY},,counselling,Sesi,,5,9,12,3"), "k.csv"), "preview": "1"},
                   content_type="multipart/form-data")
    assert "Baris 2" in bad.text and recorded() == 0
    good = web.post(url, {"file": (csv_file(f"{YESTERDAY},,counselling,Sesi,,5,7,12,3"), "k.csv"), "preview": "1"},
                    content_type="multipart/form-data")
    assert "Semua 1 baris sudah benar." in good.text and recorded() == 0
    stash = good.text.split('name="stash" value="')[1].split('"')[0]
    assert web.post(url, {"stash": "f/999/p/999/imports/x", "stash_name": "k.csv", "confirm": "1"}).status_code == 404
    web.post(url, {"stash": stash, "stash_name": "k.csv", "confirm": "1"})
    assert recorded() == 1
    assert web.get(f"/o/{pks.partner.slug}/contributions/import/template?format=xlsx").data[:2] == b"PK"


def test_an_imported_formula_is_exported_as_text_not_as_a_formula(pks, login_as):
    formula = "=cmd|' /C calc'!A0"
    assert run(pks, csv_file(f'{YESTERDAY},,counselling,"{formula}",,1,1,2,1')).ok
    web = login_as(pks.officer)
    exported = web.get(f"/o/{pks.facility.slug}/contributions/export.csv?status=submitted")
    assert exported.status_code == 200 and exported.headers["Content-Disposition"].startswith("attachment;")
    import csv as csv_module
    rows = list(csv_module.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Tanggal mulai", "Tanggal berakhir", "Jenis", "Judul"]
    assert rows[1][3] == "'" + formula


def test_a_long_import_leaves_one_audit_entry_per_row_in_an_unbroken_chain(pks):
    from portal.audit import chain as audit
    from portal.audit.models import AuditEntry

    rows = [f"{YESTERDAY},,counselling,Konseling sesi {n},,{n % 7},1,{n % 7 + 1},2" for n in range(1203)]
    heard = []
    with pks.acting(pks.partner_member):
        result = contribution_import.import_contributions(
            pks.facility, pks.partner, csv_file(*rows), "panjang.csv", actor=pks.partner_member,
            progress=lambda done, total: heard.append((done, total)))
    assert result.ok and len(result.ids) == 1203 and recorded() == 1203
    assert heard[-1] == (2406, 2406) and heard == sorted(heard)  # checking, then keeping, in batches
    with unscoped("the test reads the whole trail"):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contribution.recorded")
                                     .order_by(AuditEntry.id)).all()
        kept = db.session.scalars(select(Contribution).order_by(Contribution.id)).all()
        assert [entry.object_id for entry in entries] == [str(i) for i in result.ids]
        assert [c.title for c in kept] == [f"Konseling sesi {n}" for n in range(1203)]
        assert kept[5].participants_total == 6 and kept[5].created_by_id == pks.partner_member.id
        assert audit.verify_chain() == []


def test_bulk_rows_of_another_pair_are_refused_by_the_write_guard(pks):
    from portal.core.tenancy import TenantViolation, acting_for, require_writable

    with acting_for(pks.stranger_facility):
        with pytest.raises(TenantViolation):
            require_writable(pks.facility.id, pks.partner.id)
        require_writable(pks.stranger_facility.id, pks.partner.id)  # its own side of a pair: allowed
