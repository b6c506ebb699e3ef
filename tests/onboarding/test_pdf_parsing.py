"""PDF uploads are parsed, not grepped: active content is refused however its names are spelled
(``#xx`` escapes) and wherever it hides (annotations, name trees, compressed object streams)."""

from __future__ import annotations

import io
import zlib

import pytest
from pypdf import PdfWriter

from gangway.onboarding.documents import UploadRejected, check_upload

LIMIT = 10 * 1024 * 1024
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"


def build_pdf(*objects: bytes) -> bytes:
    """A PDF with a classic xref table; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def build_pdf_with_object_stream(hidden: bytes) -> bytes:
    """Objects 1-3 plain, object 4 (``hidden``, annotation of the page) compressed inside the
    object stream 5, and a compressed cross-reference stream (object 6): no name of object 4
    appears in the file's bytes."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    offsets: dict[int, int] = {}
    for number, body in ((1, CATALOG), (2, PAGES), (3, page)):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\n" % (
        len(header),
        len(packed),
    )
    out += b"stream\n" + packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for number in range(1, 7):
        if number == 4:
            rows.append(b"\x02" + (5).to_bytes(4, "big") + (0).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    table = zlib.compress(b"".join(rows))
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n" % len(table)
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def link(action: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    annotation = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A " + action + b" >>"
    return CATALOG, PAGES, page, annotation


def refused(content: bytes) -> str:
    with pytest.raises(UploadRejected) as caught:
        check_upload(content, limit=LIMIT, allow_pdf=True)
    return str(caught.value)


def test_a_clean_pdf_passes() -> None:
    assert check_upload(build_pdf(CATALOG, PAGES, PAGE), limit=LIMIT, allow_pdf=True)
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    checked = check_upload(buffer.getvalue(), limit=LIMIT, allow_pdf=True)
    assert checked.content_type == "application/pdf"


def test_a_clean_pdf_with_an_object_stream_passes() -> None:
    harmless = b"<< /Type /Annot /Subtype /Square /Rect [0 0 10 10] >>"
    assert check_upload(build_pdf_with_object_stream(harmless), limit=LIMIT, allow_pdf=True)


def test_hex_escaped_javascript_action_is_refused() -> None:
    assert refused(build_pdf(*link(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"))) == (
        "file_type_pdf"
    )


def test_hex_escaped_javascript_name_tree_is_refused() -> None:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /Names << /J#61va#53cript 4 0 R >> >>"
    names = b"<< /Names [(x) 5 0 R] >>"
    action = b"<< /S /GoTo /D [3 0 R /Fit] >>"
    assert refused(build_pdf(catalog, PAGES, PAGE, names, action)) == "file_type_pdf"


def test_open_action_is_refused() -> None:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /GoTo /D [3 0 R /Fit] >> >>"
    assert refused(build_pdf(catalog, PAGES, PAGE)) == "file_type_pdf"


def test_additional_actions_on_a_page_are_refused() -> None:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /#41A << /O 4 0 R >> >>"
    action = b"<< /S /GoTo /D [3 0 R /Fit] >>"
    assert refused(build_pdf(CATALOG, PAGES, page, action)) == "file_type_pdf"


def test_uri_link_annotation_is_refused() -> None:
    assert refused(build_pdf(*link(b"<< /S /U#52I /U#52I (https://evil.example/) >>"))) == (
        "file_type_pdf"
    )


@pytest.mark.parametrize("names_key", [b"/EmbeddedFiles", b"/Embedded#46iles"])
def test_embedded_file_is_refused(names_key: bytes) -> None:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /Names << " + names_key + b" 4 0 R >> >>"
    tree = b"<< /Names [(a.exe) 5 0 R] >>"
    spec = b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>"
    data = b"<< /Type /Embedded#46ile /Length 2 >>\nstream\nMZ\nendstream"
    assert refused(build_pdf(catalog, PAGES, PAGE, tree, spec, data)) == "file_type_pdf"


def test_javascript_hidden_in_a_compressed_object_stream_is_refused() -> None:
    hidden = (
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] "
        b"/A << /S /JavaScript /JS (app.alert(1)) >> >>"
    )
    content = build_pdf_with_object_stream(hidden)
    assert b"JavaScript" not in content
    assert refused(content) == "file_type_pdf"


@pytest.mark.parametrize(
    "action",
    [b"<< /S /Launch /F (cmd.exe) >>", b"<< /S /SubmitForm /F (x) >>", b"<< /S /ImportData >>"],
)
def test_other_active_actions_are_refused(action: bytes) -> None:
    assert refused(build_pdf(*link(action))) == "file_type_pdf"


def test_xfa_and_rich_media_are_refused() -> None:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /X#46A 4 0 R >> >>"
    assert refused(build_pdf(catalog, PAGES, PAGE, b"[]")) == "file_type_pdf"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    media = b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>"
    assert refused(build_pdf(CATALOG, PAGES, page, media)) == "file_type_pdf"


def test_encrypted_pdf_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("", "owner-password", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert refused(buffer.getvalue()) == "file_type_pdf"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\nnot a pdf at all\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        build_pdf(CATALOG, PAGES, PAGE)[:-60] + b"\n%%EOF\n",
    ],
)
def test_malformed_pdf_is_unreadable(content: bytes) -> None:
    assert refused(content) == "file_unreadable"
