"""The one upload checker and the one download of user files (core/uploads.py)."""

from __future__ import annotations

import struct
import zipfile
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from handinhand.core.uploads import (
    check_file,
    content_disposition,
    serve_upload,
    sniff,
    sniff_file,
    upload_rule,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _zip(*parts: str) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in parts:
            archive.writestr(part, "<x/>")
    return buffer.getvalue()


def _ole(stream: str) -> bytes:
    """A compound file whose first directory sector names `stream`."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<H", header, 0x1E, 9)
    struct.pack_into("<I", header, 0x30, 0)
    directory = bytearray(512)
    for index, name in enumerate(["Root Entry", stream]):
        encoded = (name + "\0").encode("utf-16-le")
        directory[index * 128 : index * 128 + len(encoded)] = encoded
        struct.pack_into("<H", directory, index * 128 + 0x40, len(encoded))
    return bytes(header + directory)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 8, "jpg"),
        (b"GIF89a" + b"\0" * 8, "gif"),
        (b"%PDF-1.7\n", "pdf"),
        (_zip("[Content_Types].xml", "word/document.xml"), "docx"),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), "xlsx"),
        (_zip("[Content_Types].xml", "ppt/presentation.xml"), "pptx"),
        (_zip("readme.txt"), None),  # a zip, but no Office file
        (_zip("word/document.xml"), None),  # no [Content_Types].xml
        (_ole("WordDocument"), "doc"),
        (_ole("Workbook"), "xls"),
        (_ole("PowerPoint Document"), "ppt"),
        (_ole("Something"), None),
        ("会议纪要\n".encode(), "txt"),
        (b"MZ\x90\x00\x03\x00", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "txt"),
    ],
)
def test_kind_is_read_from_the_bytes(data, kind):
    assert sniff(data) == kind


def test_a_zip_bomb_is_refused_before_unpacking():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "0" * (40 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        check_file(BytesIO(data), size=len(data), name="炸弹.docx", module="visits")
    assert "不允许的文件类型" in exc.value.messages[0]
    # The same file is fine where its unpacked size stays within the ratio.
    assert sniff_file(BytesIO(data)) == "docx"


def test_the_name_is_never_trusted():
    html = b"<html><script>alert(1)</script></html>"
    for module in ("visits", "meetings", "training", "resources", "evidence", "findings"):
        with pytest.raises(ValidationError):
            check_file(BytesIO(html), size=len(html), name="课件.pdf", module=module)
    # Text is accepted only where the policy allows it and the name says so too.
    with pytest.raises(ValidationError):
        check_file(BytesIO(b"MZ"), size=2, name="a.exe", module="meetings")
    assert check_file(BytesIO(b"text"), size=4, name="纪要.txt", module="meetings") == "txt"


def test_rules_come_from_the_policy():
    assert upload_rule("meetings").max_mb == 10
    assert "txt" in upload_rule("meetings").kinds
    assert upload_rule("training").max_mb == 20
    assert "jpg" in upload_rule("training").kinds and "jpeg" not in upload_rule("training").kinds
    assert upload_rule("visits").kinds == ("jpg", "png", "pdf", "docx", "xlsx")
    assert upload_rule("evidence").name_must_match


def test_size_and_emptiness_are_checked_first():
    with pytest.raises(ValidationError) as exc:
        check_file(BytesIO(b""), size=0, name="空.pdf", module="visits")
    assert "为空" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        check_file(BytesIO(b"x"), size=11 * 1024 * 1024, name="大.pdf", module="meetings")
    assert "文件过大" in exc.value.messages[0] and "超过上限 10 MB" in exc.value.messages[0]


def test_content_disposition_names_chinese_files_by_rfc_5987():
    header = content_disposition("会议纪要 2025.pdf")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81%202025.pdf" in header
    assert content_disposition('a"b.png', inline=True) == (
        "inline; filename=\"ab.png\"; filename*=UTF-8''a%22b.png"
    )


@pytest.mark.parametrize(
    ("kind", "name", "content_type", "disposition"),
    [
        ("png", "照片.png", "image/png", "inline"),
        ("jpg", "photo.jpeg", "image/jpeg", "inline"),
        ("png", "notice.html", "image/png", "inline"),
        ("pdf", "纪要.pdf", "application/pdf", "attachment"),
        ("txt", "a.txt", "text/plain; charset=utf-8", "attachment"),
        ("", "old.svg", "application/octet-stream", "attachment"),
    ],
)
@pytest.mark.django_db  # closing a response signals request_finished, which touches the DB
def test_served_by_the_checked_kind(kind, name, content_type, disposition, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.storage import default_storage

    stored = default_storage.save("x/file", ContentFile(b"data"))
    response = serve_upload(default_storage.open(stored), kind, name)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith(disposition + ";")
    assert response["X-Content-Type-Options"] == "nosniff"
    if name == "notice.html":
        # Saved to disk, it is a picture by its name too, never a page.
        assert "notice.html.png" in response["Content-Disposition"]
    response.close()


@pytest.mark.django_db
def test_generated_files_are_downloads_typed_by_kind():
    from handinhand.core.uploads import serve_generated

    response = serve_generated(b"PK\x03\x04", "docx", "2025年度报告")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "2025%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.docx" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
