"""The one wrapper around boto3: every byte the portal stores goes through here.

S3-compatible storage (SeaweedFS locally and in tests, any S3 in production),
addressed path-style with signature v4. Keys are chosen by the caller and start
with the owning pair (`f/<facility-id>/p/<partner-id>/...`); nothing is ever
served from a public URL, only through short-lived presigned links.
"""
from __future__ import annotations

from datetime import datetime
from typing import BinaryIO, Iterator
from urllib.parse import quote, urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

#: Parts of 8 MiB: memory stays flat whatever the file's size.
TRANSFER = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                          max_concurrency=4, use_threads=True)


class StorageError(RuntimeError):
    """The object store did not do what was asked (down, refused, missing)."""


def not_found(error: ClientError) -> bool:
    """Whether the store answered that there is no such object (S3 and SeaweedFS say it in three ways)."""
    return error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound")


def _client(connect_timeout: int = 5, attempts: int = 3):
    config = current_app.config
    return boto3.client(
        "s3",
        endpoint_url=config["S3_ENDPOINT_URL"] or None,
        region_name=config["S3_REGION"],
        aws_access_key_id=config["S3_ACCESS_KEY_ID"] or None,
        aws_secret_access_key=config["S3_SECRET_ACCESS_KEY"] or None,
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"},
                          connect_timeout=connect_timeout, read_timeout=60,
                          retries={"max_attempts": attempts, "mode": "standard"}),
    )


def _bucket() -> str:
    return current_app.config["S3_BUCKET"]


def put(key: str, stream: BinaryIO, *, content_type: str = "application/octet-stream") -> None:
    """Stream `stream` to `key` (multipart above the threshold)."""
    try:
        _client().upload_fileobj(stream, _bucket(), key, ExtraArgs={"ContentType": content_type},
                                 Config=TRANSFER)
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"put {key}: {error}") from error


def get(key: str, chunk_size: int = 1024 * 1024, *, first: int | None = None) -> Iterator[bytes]:
    """The object's bytes, chunk by chunk (only its `first` bytes, if given: one ranged GET)."""
    ranged = {"Range": f"bytes=0-{first - 1}"} if first else {}
    try:
        body = _client().get_object(Bucket=_bucket(), Key=key, **ranged)["Body"]
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"get {key}: {error}") from error
    try:
        yield from body.iter_chunks(chunk_size)
    finally:
        body.close()


def head(key: str) -> dict | None:
    """Size, type and ETag of an object, or None if there is none."""
    try:
        answer = _client().head_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if not_found(error):
            return None
        raise StorageError(f"head {key}: {error}") from error
    except BotoCoreError as error:
        raise StorageError(f"head {key}: {error}") from error
    return {"size": answer["ContentLength"], "content_type": answer.get("ContentType"), "etag": answer.get("ETag")}


def delete(key: str) -> None:
    try:
        _client().delete_object(Bucket=_bucket(), Key=key)
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"delete {key}: {error}") from error


def keys(prefix: str = "") -> Iterator[str]:
    """Every key under `prefix`."""
    for key, _modified in objects(prefix):
        yield key


def objects(prefix: str = "") -> Iterator[tuple[str, datetime]]:
    """Every (key, last modified) under `prefix` (for reconciliation)."""
    paginator = _client().get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"], item["LastModified"]
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"list {prefix}: {error}") from error


def listing(prefix: str = "") -> Iterator[tuple[str, int, str]]:
    """Every (key, size, ETag) under `prefix`: what a backup compares with its last one, without reading objects."""
    paginator = _client().get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"], item["Size"], item["ETag"]
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"list {prefix}: {error}") from error


def unfinished_uploads(prefix: str = "") -> Iterator[tuple[str, str, datetime]]:
    """Every (key, upload id, started) of a multipart upload begun and neither completed nor aborted.

    A process killed mid-upload leaves one: its parts take space and are listed nowhere else.
    """
    paginator = _client().get_paginator("list_multipart_uploads")
    try:
        for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
            for upload in page.get("Uploads", []):
                yield upload["Key"], upload["UploadId"], upload["Initiated"]
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"list multipart uploads {prefix}: {error}") from error


def abort_upload(key: str, upload_id: str) -> None:
    try:
        _client().abort_multipart_upload(Bucket=_bucket(), Key=key, UploadId=upload_id)
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"abort upload {key}: {error}") from error


def begin_upload(key: str, *, content_type: str = "application/octet-stream") -> str:
    """Start a multipart upload whose parts the browser sends itself; its upload id."""
    try:
        return _client().create_multipart_upload(Bucket=_bucket(), Key=key, ContentType=content_type)["UploadId"]
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"begin upload {key}: {error}") from error


def presigned_part(key: str, upload_id: str, number: int, *, seconds: int) -> str:
    """A link that accepts one PUT of part `number`, straight from the browser."""
    return presigned_parts(key, upload_id, [number], seconds=seconds)[number]


def presigned_parts(key: str, upload_id: str, numbers: list[int], *, seconds: int) -> dict[int, str]:
    """Links for several parts, signed by one client (making a client costs more than signing 20 links)."""
    client = _client()
    return {number: client.generate_presigned_url(
        "upload_part", Params={"Bucket": _bucket(), "Key": key, "UploadId": upload_id, "PartNumber": number},
        ExpiresIn=seconds) for number in numbers}


def uploaded_parts(key: str, upload_id: str) -> list[tuple[int, str, int]]:
    """(number, ETag, size) of every part the store holds: the truth a resumed upload starts from."""
    paginator = _client().get_paginator("list_parts")
    try:
        return [(part["PartNumber"], part["ETag"], part["Size"])
                for page in paginator.paginate(Bucket=_bucket(), Key=key, UploadId=upload_id)
                for part in page.get("Parts", [])]
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"list parts {key}: {error}") from error


def complete_upload(key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
    """Join the (number, ETag) parts into one object."""
    try:
        _client().complete_multipart_upload(
            Bucket=_bucket(), Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag} for number, etag in parts]})
    except (BotoCoreError, ClientError) as error:
        raise StorageError(f"complete upload {key}: {error}") from error


def browser_origin(config) -> str:
    """Where browsers send parts and fetch downloads: the page's connect-src must allow it."""
    endpoint = config["S3_ENDPOINT_URL"] or f"https://s3.{config['S3_REGION']}.amazonaws.com"
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def presigned_get(key: str, *, filename: str, inline: bool = False, seconds: int | None = None) -> str:
    """A short-lived link; downloads are attachments unless a preview asks otherwise."""
    disposition = "inline" if inline else "attachment"
    expires = seconds or current_app.config["S3_PRESIGN_SECONDS"]
    return _client().generate_presigned_url(
        "get_object",
        Params={"Bucket": _bucket(), "Key": key,
                "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(filename)}"},
        ExpiresIn=expires,
    )


def ensure_bucket() -> None:
    client = _client()
    try:
        client.head_bucket(Bucket=_bucket())
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise StorageError(f"bucket {_bucket()}: {error}") from error
        client.create_bucket(Bucket=_bucket())


def is_healthy() -> bool:
    """The bucket answers with our credentials, quickly."""
    try:
        _client(connect_timeout=2, attempts=1).head_bucket(Bucket=_bucket())
    except (BotoCoreError, ClientError):
        return False
    return True
