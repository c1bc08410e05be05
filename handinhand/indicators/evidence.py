"""Evidence files are recognised by their content, not their name: a renamed .exe is not a
PDF. The allowed types and the size limit come from the policy."""

from __future__ import annotations

import zipfile
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from handinhand.core.policy import get_policy

_MAGIC = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
_OOXML = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_EXTENSIONS = {"jpeg": "jpg"}
LABELS = {"pdf": "PDF", "jpg": "JPG", "png": "PNG", "docx": "Word", "xlsx": "Excel"}


def sniff(data: bytes) -> str | None:
    """The file's real type from its first bytes (and, for Office files, its parts)."""
    for kind, magic in _MAGIC.items():
        if data.startswith(magic):
            return kind
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        for kind, part in _OOXML.items():
            if part in names:
                return kind
    return None


def check_evidence(name: str, data: bytes) -> str:
    """The file's type if the policy allows it; a ValidationError in Chinese otherwise."""
    policy = get_policy().indicators
    limit = policy.evidence_max_mb * 1024 * 1024
    allowed = "、".join(LABELS[k] for k in policy.evidence_types)
    if len(data) > limit:
        raise ValidationError(
            _("文件“%(name)s”大小 %(size).1f MB，超过上限 %(max)g MB")
            % {"name": name, "size": len(data) / 1024 / 1024, "max": policy.evidence_max_mb}
        )
    if not data:
        raise ValidationError(_("文件“%(name)s”是空的") % {"name": name})
    kind = sniff(data)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    extension = _EXTENSIONS.get(extension, extension)
    if kind is None or kind not in policy.evidence_types or extension != kind:
        raise ValidationError(
            _("文件“%(name)s”的内容不是允许的类型（仅限 %(allowed)s，且扩展名须与内容一致）")
            % {"name": name, "allowed": allowed}
        )
    return kind
