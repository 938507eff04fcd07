"""File and image fields: sizes, content types, image signatures, optional and missing files."""

import pytest

from spruce import Spruce
from spruce.forms import File, Form, Image, field
from spruce.uploads import UploadFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 40


async def upload(
    data: bytes, filename: str = "f.bin", content_type: str = "application/octet-stream"
):
    file = UploadFile(filename, content_type=content_type)
    await file.write(data)
    await file.seek(0)
    return file


class DocumentForm(Form):
    title: str
    document: File = field(max_size=100, content_types=["application/pdf", "text/*"])
    avatar: Image | None = None
    attachment: File | None = None


def codes(form):
    return {name: [error.code for error in errors] for name, errors in form.errors.items()}


async def test_valid_uploads():
    pdf = await upload(b"%PDF-1.4 tiny", "a.pdf", "application/pdf")
    png = await upload(PNG, "me.png", "image/png")
    form = DocumentForm.bind({"title": "T", "document": pdf, "avatar": png})
    assert form.is_valid, form.errors
    assert form.document is pdf
    assert form.avatar is png
    assert form.attachment is None
    assert await form.avatar.read(4) == b"\x89PNG"  # the sniffing left the position at 0


@pytest.mark.parametrize(
    ("data", "kind"), [(JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")]
)
async def test_image_types(data, kind):
    document = await upload(b"hello", "a.txt", "text/plain")
    image = await upload(data, "x", kind)
    assert DocumentForm.bind({"title": "T", "document": document, "avatar": image}).is_valid


async def test_wildcard_content_type():
    document = await upload(b"hello", "a.md", "text/markdown; charset=utf-8")
    assert DocumentForm.bind({"title": "T", "document": document}).is_valid


async def test_too_large():
    document = await upload(b"x" * 101, "a.txt", "text/plain")
    form = DocumentForm.bind({"title": "T", "document": document})
    assert codes(form) == {"document": ["file_too_large"]}
    assert "100 bytes" in str(form.errors["document"][0])


async def test_size_edge():
    document = await upload(b"x" * 100, "a.txt", "text/plain")
    assert DocumentForm.bind({"title": "T", "document": document}).is_valid


async def test_wrong_content_type():
    document = await upload(b"MZ...", "evil.exe", "application/x-msdownload")
    form = DocumentForm.bind({"title": "T", "document": document})
    assert codes(form) == {"document": ["file_type"]}
    assert "application/x-msdownload" in str(form.errors["document"][0])


async def test_empty_file():
    document = await upload(b"", "a.txt", "text/plain")
    assert codes(DocumentForm.bind({"title": "T", "document": document})) == {
        "document": ["file_empty"]
    }


async def test_no_file_chosen_is_missing_for_a_required_field():
    # a browser sends an empty part with an empty filename when no file was chosen
    nothing = await upload(b"", "", "application/octet-stream")
    form = DocumentForm.bind({"title": "T", "document": nothing, "avatar": nothing})
    assert codes(form) == {"document": ["missing"]}


async def test_a_script_claiming_to_be_an_image_is_refused():
    document = await upload(b"hello", "a.txt", "text/plain")
    fake = await upload(b"<script>alert(1)</script>", "x.png", "image/png")
    form = DocumentForm.bind({"title": "T", "document": document, "avatar": fake})
    assert codes(form) == {"avatar": ["invalid_image"]}


async def test_svg_is_not_an_image_here():
    document = await upload(b"hello", "a.txt", "text/plain")
    svg = await upload(b"<svg onload='alert(1)'/>", "x.svg", "image/svg+xml")
    form = DocumentForm.bind({"title": "T", "document": document, "avatar": svg})
    assert codes(form) == {"avatar": ["file_type"]}


async def test_a_png_declared_as_gif_passes_only_if_both_are_allowed():
    document = await upload(b"hello", "a.txt", "text/plain")
    png = await upload(PNG, "x.gif", "image/gif")
    assert DocumentForm.bind({"title": "T", "document": document, "avatar": png}).is_valid


async def test_text_sent_for_a_file_field_is_ignored():
    form = DocumentForm.bind({"title": "T", "document": "not a file"})
    assert codes(form) == {"document": ["missing"]}


async def test_other_errors_are_reported_with_file_errors():
    document = await upload(b"", "a.txt", "text/plain")
    form = DocumentForm.bind({"document": document})
    assert codes(form) == {"title": ["missing"], "document": ["file_empty"]}


def test_render_file_inputs():
    app = Spruce()

    @app.get("/")
    def page():
        return DocumentForm.blank().render()

    html = app.test_client().get("/").text
    assert '<form action="" method="post" enctype="multipart/form-data">' in html
    assert 'type="file"' in html
    assert 'accept="application/pdf,text/*"' in html
    assert 'accept="image/png,image/jpeg,image/gif,image/webp"' in html


def test_multipart_post_through_a_handler():
    app = Spruce()

    @app.route("/upload", methods=["GET", "POST"])
    async def receive(form: DocumentForm):
        if form.is_valid:
            content = await form.document.read()
            avatar = form.avatar.filename if form.avatar else None
            return {"title": form.title, "size": len(content), "avatar": avatar}
        return {"errors": {k: [e.code for e in v] for k, v in form.errors.items()}}

    client = app.test_client()
    ok = client.post(
        "/upload",
        data={"title": "Report"},
        files={
            "document": ("r.txt", b"hello", "text/plain"),
            "avatar": ("me.png", PNG, "image/png"),
        },
    )
    assert ok.json() == {"title": "Report", "size": 5, "avatar": "me.png"}
    bad = client.post(
        "/upload",
        data={"title": "Report"},
        files={
            "document": ("r.txt", b"hello", "text/plain"),
            "avatar": ("me.png", b"<html>", "image/png"),
        },
    )
    assert bad.json() == {"errors": {"avatar": ["invalid_image"]}}
    missing = client.post(
        "/upload",
        data={"title": "Report"},
        files={"document": ("", b"", "application/octet-stream")},
    )
    assert missing.json() == {"errors": {"document": ["missing"]}}
