"""Send an object from storage through the portal, streamed; storage being down is a 503, not a 500."""
from urllib.parse import quote

from flask import Response, abort, stream_with_context

from portal.core import storage


def stored_file(key: str, mimetype: str, *, download_name: str | None = None, headers: dict | None = None):
    """The object at `key` as a response; with `download_name`, as an attachment of that name."""
    try:
        chunks = storage.get(key)
        first = next(chunks, b"")  # reach storage now, while an error can still become a status
    except storage.StorageError:
        abort(503)

    def body():
        yield first
        yield from chunks

    headers = dict(headers or {})
    if download_name is not None:
        ascii_name = download_name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
        headers["Content-Disposition"] = (f"attachment; filename=\"{ascii_name}\"; "
                                          f"filename*=UTF-8''{quote(download_name)}")
    return Response(stream_with_context(body()), mimetype=mimetype, headers=headers)
