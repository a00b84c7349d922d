"""A table (see `portal.core.exports.Table`) sent as a CSV or XLSX download, streamed."""
from flask import Response, abort, stream_with_context

from portal.core import exports
from portal.core.tenancy import stream_in_scope


def table_file(table: exports.Table, file_format: str, name: str):
    """`name`.csv or `name`.xlsx; rows are produced while sending, acting as the request did."""
    if file_format not in exports.FORMATS:
        abort(404)
    mimetype, write = exports.FORMATS[file_format]
    return Response(stream_with_context(stream_in_scope(write(table))), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{file_format}"'})
