"""When storage or the database fails halfway, the user is told and nothing is left half-written."""
import io
import os
from pathlib import Path
import socket
import tempfile

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from mitrapas_dev.seaweedfs import SeaweedFS
from portal.core import storage
from portal.core.errors import DomainError
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials import operations as materials
from portal.materials.models import MaterialCategory, MaterialVersion
from portal.materials.operations import Upload
from portal.ops import reconcile
from portal.organisations.partnership_models import Partnership


def rows() -> int:
    with unscoped("the test counts every material version"):
        return db.session.scalar(select(func.count()).select_from(MaterialVersion))


def upload(pks, stream, filename="rekaman.pdf"):
    with pks.acting(pks.partner_member):
        return materials.upload_materials(pks.facility, pks.partner, [Upload(stream, filename)],
                                          category=MaterialCategory.REPORT, actor=pks.partner_member)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_storage_down_gives_a_clear_message_and_no_row(pks, login_as, app):
    with unscoped("the test looks up its own pair"):
        pair = db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))
    saved = app.config["S3_ENDPOINT_URL"]
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{closed_port()}"
    try:
        web = login_as(pks.partner_member)
        page = web.post(f"/o/{pks.partner.slug}/materials/new?pair={pair}",
                        {"files": [(io.BytesIO(b"%PDF-1.4 laporan"), "laporan.pdf")], "category": "report",
                         "agreement": "0"}, content_type="multipart/form-data", follow_redirects=True)
    finally:
        app.config["S3_ENDPOINT_URL"] = saved
    assert "Penyimpanan dokumen sedang tidak dapat dihubungi" in page.text
    assert rows() == 0


class StopsStorageMidway(io.RawIOBase):
    """A large upload during which the storage server goes away."""

    def __init__(self, server: SeaweedFS, size: int, stop_after: int):
        self.server, self.left, self.stop_after, self.sent = server, size, stop_after, 0
        self.first = b"%PDF-1.7\n"

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.sent >= self.stop_after and self.server.process is not None:
            self.server.stop()
        chunk = (self.first + os.urandom(len(buffer)))[:min(len(buffer), self.left)]
        self.first = b""
        buffer[:len(chunk)] = chunk
        self.left -= len(chunk)
        self.sent += len(chunk)
        return len(chunk)


def test_storage_stopping_mid_upload_gives_a_clear_error_and_no_row(pks, app):
    with tempfile.TemporaryDirectory(prefix="mitrapas-s3-fault-") as folder:
        server = SeaweedFS(Path(folder)).start()
        saved = {key: app.config[key] for key in server.settings()}
        app.config.update(server.settings())
        try:
            part = storage.TRANSFER.multipart_chunksize
            stream = io.BufferedReader(StopsStorageMidway(server, size=4 * part, stop_after=part + 1))
            with pytest.raises(DomainError, match="tidak dapat dihubungi|cannot be reached"):
                upload(pks, stream)
        finally:
            server.stop()
            app.config.update(saved)
    db.session.rollback()
    assert rows() == 0


def test_a_database_failure_after_the_object_was_written_leaves_no_orphan(pks, monkeypatch):
    ours = f"f/{pks.facility.id}/p/{pks.partner.id}/"

    def database_gone(*args, **kwargs):
        raise OperationalError("INSERT INTO audit_entries ...", {}, Exception("server closed the connection"))

    monkeypatch.setattr(materials.audit, "record", database_gone)
    with pytest.raises(OperationalError):
        upload(pks, io.BytesIO(b"%PDF-1.4 berkas yang sempat tersimpan"))
    assert list(storage.keys(ours)) != []  # the object was written before the failure...
    db.session.rollback()  # ...and the request's rollback removes it again
    assert list(storage.keys(ours)) == []
    with unscoped("reconciliation sees every tenant"):
        assert reconcile.reconcile(prefix=ours).clean
