"""The storage wrapper against a real SeaweedFS: streaming round trips, presigned links, refusals."""
import hashlib
import io
import os
import urllib.request

import boto3
from botocore.exceptions import ClientError
import pytest

from portal.core import storage

pytestmark = pytest.mark.usefixtures("storage_settings")


def sha256(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.parametrize("size", [1, 20 * 1024 * 1024 + 17], ids=["small", "multipart"])
def test_round_trip_keeps_every_byte(app, size):
    data = os.urandom(size)
    key = f"f/1/p/2/test/{size}"
    with app.app_context():
        storage.put(key, io.BytesIO(data), content_type="application/pdf")
        found = storage.head(key)
        assert (found["size"], found["content_type"]) == (size, "application/pdf") and found["etag"]
        assert sha256(storage.get(key)) == hashlib.sha256(data).hexdigest()
        assert b"".join(storage.get(key, first=5)) == data[:5]  # one ranged read: a file's first bytes
        storage.delete(key)
        assert storage.head(key) is None


def test_presigned_link_downloads_as_an_attachment(app):
    with app.app_context():
        storage.put("f/1/p/2/laporan", io.BytesIO(b"isi laporan"))
        url = storage.presigned_get("f/1/p/2/laporan", filename="Laporan Kegiatan.pdf", seconds=60)
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"isi laporan"
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_wrong_credentials_are_refused(seaweed):
    intruder = boto3.client("s3", endpoint_url=seaweed.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="bukan", aws_secret_access_key="kunci-salah")
    with pytest.raises(ClientError):
        intruder.list_objects_v2(Bucket=seaweed.bucket)


def test_a_stopped_store_is_a_storage_error(app, monkeypatch):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", "http://127.0.0.1:9")
    with app.app_context():
        with pytest.raises(storage.StorageError):
            storage.put("f/1/p/2/x", io.BytesIO(b"x"))
        assert storage.is_healthy() is False
