"""Sending stored files: every download of evidence or bundles goes through here.

Always an attachment with ``nosniff`` and a sandboxing policy, so a stored file never runs as a
page of this site; with its content hash as ETag and with byte ranges, so a broken download of a
large bundle resumes where it stopped instead of starting over.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, request
from werkzeug.wsgi import wrap_file

from services.evidence_files import current_storage


def send_stored(key: str, media_type: str, download_name: str) -> Response:
    """The stored file ``key`` as an attachment called ``download_name``; 404 if it is gone."""
    storage = current_storage()
    try:
        size = storage.size(key)
        stream = storage.open(key)
    except FileNotFoundError:
        abort(404)
    response = Response(
        wrap_file(request.environ, stream), mimetype=media_type, direct_passthrough=True
    )
    response.content_length = size
    response.set_etag(key)  # content-addressed: the key is the content's identity
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_ascii_name(download_name)}"; '
        f"filename*=UTF-8''{quote(download_name)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request, accept_ranges=True, complete_length=size)


def _ascii_name(name: str) -> str:
    """A plain-ASCII fallback name for old clients (RFC 6266 keeps the real one in filename*)."""
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return ascii_name or "download"
