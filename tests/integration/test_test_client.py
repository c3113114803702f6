"""The tests' own client leaves nothing open behind a large upload: an unclosed file found by
garbage collection fails whichever later test happens to be running, far from its cause."""

from __future__ import annotations

import gc
import io
import warnings

from flask.testing import FlaskClient


def test_a_large_upload_leaves_no_file_open(client: FlaskClient) -> None:
    body = {"file": (io.BytesIO(b"x" * 600_000), "large.bin")}  # werkzeug spools past 500 KB
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        client.post("/livez", data=body, content_type="multipart/form-data").close()
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
