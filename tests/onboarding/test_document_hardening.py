"""Uploads from real phones and hostile files: multi-picture JPEGs pass, active PDFs and
polyglots do not."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gangway.onboarding.documents import UploadRejected, check_upload

LIMIT = 10 * 1024 * 1024


def _mpo() -> bytes:
    frames = [Image.new("RGB", (64, 48), colour) for colour in ("white", "grey")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="MPO", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def _pdf(extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="PDF")
    body = buffer.getvalue()
    return body.replace(b"%%EOF", extra + b"\n%%EOF") if extra else body


def test_multi_picture_jpeg_from_a_phone_is_accepted_as_jpeg() -> None:
    content = _mpo()
    assert content.startswith(b"\xff\xd8\xff")
    assert check_upload(content, limit=LIMIT).content_type == "image/jpeg"


def test_plain_pdf_is_accepted_where_allowed() -> None:
    assert check_upload(_pdf(), limit=LIMIT, allow_pdf=True).content_type == "application/pdf"


@pytest.mark.parametrize(
    "marker",
    [b"/JavaScript", b"/JS (app.alert(1))", b"/Launch", b"/EmbeddedFile", b"/XFA", b"/Encrypt"],
)
def test_pdf_with_active_content_is_refused(marker: bytes) -> None:
    with pytest.raises(UploadRejected):
        check_upload(_pdf(b"1 0 obj << " + marker + b" >> endobj"), limit=LIMIT, allow_pdf=True)


def test_polyglots_are_refused() -> None:
    # An HTML page that claims to be a JPEG, and a PDF with a JPEG header.
    with pytest.raises(UploadRejected):
        check_upload(b"\xff\xd8\xff<html><script>alert(1)</script></html>", limit=LIMIT)
    with pytest.raises(UploadRejected):
        check_upload(b"\xff\xd8\xff" + _pdf(), limit=LIMIT, allow_pdf=True)
    with pytest.raises(UploadRejected):
        check_upload(b"GIF89a" + b"\x00" * 100, limit=LIMIT)
