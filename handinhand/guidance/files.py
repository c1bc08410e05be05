"""Uploaded files are judged by their first bytes, never by their name or the browser's word."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from handinhand.core.policy import get_policy

# (kind, leading bytes). docx/xlsx/pptx are zip files; the member names tell them apart.
_SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("jpg", b"\xff\xd8\xff"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("gif", b"GIF8"),
    ("pdf", b"%PDF-"),
)
_OFFICE = {"docx": b"word/", "xlsx": b"xl/", "pptx": b"ppt/"}


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes (at least 4 KiB for Office files)."""
    for kind, magic in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04"):
        for kind, marker in _OFFICE.items():
            if marker in head:
                return kind
    return None


def check_upload(upload: UploadedFile) -> str:
    """The file's kind if the policy allows its type and size; ValidationError otherwise."""
    policy = get_policy().guidance
    limit = int(policy.attachment_max_mb * 1024 * 1024)
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("文件过大：不得超过 %(mb)s MB") % {"mb": f"{policy.attachment_max_mb:g}"}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("文件为空")})
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(0)
    kind = sniff(head)
    if kind is None or kind not in policy.attachment_types:
        allowed = "、".join(policy.attachment_types)
        raise ValidationError({"file": _("不允许的文件类型，仅限：%(types)s") % {"types": allowed}})
    return kind
