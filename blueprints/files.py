"""Sending stored files: every download of evidence or bundles goes through here.

Always an attachment with ``nosniff`` and a sandboxing policy, so a stored file never runs as a
page of this site; with its content hash as ETag and with byte ranges, so a broken download of a
large bundle resumes where it stopped instead of starting over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, abort, request
from werkzeug.wsgi import FileWrapper, wrap_file

from services.evidence.files import current_storage

#: bytes sent per write
BLOCK_SIZE = 64 * 1024


def send_stored(key: str, media_type: str, download_name: str) -> Response:
    """The stored file ``key`` as an attachment called ``download_name``; 404 if it is gone,
    416 for a byte range that is not in the file."""
    storage = current_storage()
    try:
        size = storage.size(key)
        stream = storage.open(key)
    except FileNotFoundError:
        abort(404)
    response = Response(_body(stream), mimetype=media_type, direct_passthrough=True)
    response.content_length = size
    response.set_etag(key)  # content-addressed: the key is the content's identity
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_ascii_name(download_name)}"; '
        f"filename*=UTF-8''{quote(download_name)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    try:
        response.make_conditional(request, accept_ranges=True, complete_length=size)
    except Exception:  # 416 for a range past the end: the stream is never sent, nor closed
        stream.close()
        raise
    return response


def _body(stream: BinaryIO) -> Iterable[bytes]:
    """The stream as a response body. A byte range is served by seeking the stream (every
    storage's streams seek) to its start: werkzeug does that only through its own wrapper;
    through the server's (gunicorn's cannot seek) it would read and drop every byte before the
    range, the whole object over again from S3 when a bundle download resumes. Without a
    range, the server's wrapper may send a local file with ``sendfile``."""
    if "HTTP_RANGE" in request.environ:
        return FileWrapper(stream, BLOCK_SIZE)
    return wrap_file(request.environ, stream, BLOCK_SIZE)


def _ascii_name(name: str) -> str:
    """A plain-ASCII fallback name for old clients (RFC 6266 keeps the real one in filename*)."""
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return ascii_name or "download"
