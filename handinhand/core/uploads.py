"""The one upload checker and the one download of user files (issue 8 item 2, issue 9 item 1).

A file is judged by its bytes, never by its name or the browser's word: the checked *kind* is
stored beside the file and alone decides how the file is served back — its Content-Type, and
whether it may be shown inline (only a checked raster image) or must be downloaded. The types
and size allowed for each module come from the policy.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handinhand.core.policy import get_policy

Module = Literal[
    "visits",
    "findings",
    "evidence",
    "meetings",
    "training",
    "resources",
    "research",
    "funding",
    "notices",
    "appointments",
]

# --- what a file is -------------------------------------------------------------------------

_SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("jpg", b"\xff\xd8\xff"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("gif", b"GIF87a"),
    ("gif", b"GIF89a"),
    ("pdf", b"%PDF-"),
)
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office Open XML files are zips; the part that makes each one what it is.
_OOXML = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
# Legacy Office files are OLE compound files; the stream that makes each one what it is.
_OLE_STREAMS = {"doc": "WordDocument", "xls": "Workbook", "ppt": "PowerPoint Document"}
_OLE_OLD_XLS = "Book"  # Excel 5/95

# A real Office file unpacks to a few times its size; a crafted one to gigabytes (a zip bomb).
MAX_UNPACKED_RATIO = 30
MAX_ZIP_MEMBERS = 10_000

# Names people and policies use for a kind.
ALIASES = {"jpeg": "jpg"}

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "txt": "text/plain; charset=utf-8",
}
# Only these may be shown in the page; everything else (PDF, Office, text) is downloaded.
INLINE_KINDS = frozenset({"jpg", "png", "gif"})
LABELS = {
    "pdf": "PDF",
    "jpg": "JPG",
    "png": "PNG",
    "gif": "GIF",
    "docx": "Word",
    "xlsx": "Excel",
    "pptx": "PowerPoint",
    "doc": "Word 97-2003",
    "xls": "Excel 97-2003",
    "ppt": "PowerPoint 97-2003",
    "txt": gettext_noop("文本"),
}


class ZipBombError(ValueError):
    """A zip that unpacks to far more than it weighs, or to too many parts."""


def zip_members(file: IO[bytes], *, max_unpacked: int) -> set[str]:
    """The member names of a zip, refusing a bomb before anything is unpacked.

    BadZipFile for a damaged zip; ZipBombError when the declared unpacked size passes
    `max_unpacked` or the members are too many."""
    with zipfile.ZipFile(file) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > max_unpacked:
            raise ZipBombError
        return {i.filename for i in infos}


def _ole_kind(file: IO[bytes], head: bytes) -> str | None:
    """doc/xls/ppt from the names in the compound file's first directory sector."""
    if len(head) < 0x34:
        return None
    sector_shift = struct.unpack_from("<H", head, 0x1E)[0]
    first_dir = struct.unpack_from("<I", head, 0x30)[0]
    if sector_shift not in (9, 12) or first_dir >= 0xFFFFFFFA:
        return None
    size = 1 << sector_shift
    file.seek((first_dir + 1) * size)
    sector = file.read(size)
    names = set()
    for offset in range(0, len(sector) - 127, 128):
        length = struct.unpack_from("<H", sector, offset + 0x40)[0]
        if 2 <= length <= 64:
            names.add(sector[offset : offset + length - 2].decode("utf-16-le", "replace"))
    for kind, stream in _OLE_STREAMS.items():
        if stream in names:
            return kind
    return "xls" if _OLE_OLD_XLS in names else None


def _is_text(data: bytes) -> bool:
    if not data or b"\0" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff_file(file: IO[bytes], *, max_unpacked: int = 1 << 30) -> str | None:
    """The kind of a file from its content (rewinds it); None for anything unknown.

    ZipBombError when a zip would unpack past `max_unpacked`."""
    file.seek(0)
    head = file.read(64 * 1024)
    try:
        for kind, magic in _SIGNATURES:
            if head.startswith(magic):
                return kind
        if head.startswith(_ZIP):
            file.seek(0)
            try:
                names = zip_members(file, max_unpacked=max_unpacked)
            except zipfile.BadZipFile:
                return None
            if "[Content_Types].xml" not in names:
                return None
            return next((k for k, part in _OOXML.items() if part in names), None)
        if head.startswith(_OLE):
            return _ole_kind(file, head)
        file.seek(0)
        return "txt" if _is_text(file.read()) else None
    finally:
        file.seek(0)


def sniff(data: bytes) -> str | None:
    """The kind of a file held in memory (see sniff_file)."""
    from io import BytesIO

    try:
        return sniff_file(BytesIO(data))
    except ZipBombError:
        return None


# --- what a module accepts -------------------------------------------------------------------


@dataclass(frozen=True)
class UploadRule:
    """The kinds a module accepts and its size limit, read from the policy."""

    kinds: tuple[str, ...]
    max_mb: float
    # Some modules also refuse a file whose name claims another kind than its content.
    name_must_match: bool = False


def _kinds(types: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ALIASES.get(t, t) for t in types))


def upload_rule(module: Module) -> UploadRule:
    """The policy's rule for uploads of a module."""
    policy = get_policy()
    if module in ("visits", "findings"):
        g = policy.guidance
        return UploadRule(_kinds(g.attachment_types), g.attachment_max_mb)
    if module == "resources":
        g = policy.guidance
        return UploadRule(_kinds(g.resource_types), g.resource_max_mb)
    if module == "evidence":
        i = policy.indicators
        return UploadRule(_kinds(i.evidence_types), i.evidence_max_mb, name_must_match=True)
    if module == "meetings":
        m = policy.meeting_files
        return UploadRule(_kinds(m.types), m.max_mb)
    if module == "research":
        r = policy.research
        return UploadRule(_kinds(r.file_types), r.file_max_mb)
    if module == "funding":
        f = policy.funding
        return UploadRule(_kinds(f.receipt_types), f.receipt_max_mb)
    if module == "notices":
        n = policy.notices
        return UploadRule(_kinds(n.attachment_types), n.attachment_max_mb)
    if module == "appointments":
        a = policy.appointments
        return UploadRule(_kinds(a.attachment_types), a.attachment_max_mb)
    t = policy.training
    return UploadRule(_kinds(t.material_types), t.max_material_mb)


# The wording each module has always used (pinned by its tests); one table, here.
_TYPE_MESSAGES = {
    "visits": gettext_noop("不允许的文件类型，仅限：%(allowed)s"),
    "findings": gettext_noop("不允许的文件类型，仅限：%(allowed)s"),
    "resources": gettext_noop("不允许的文件类型，仅限：%(allowed)s"),
    "research": gettext_noop("不允许的文件类型，仅限：%(allowed)s"),
    "funding": gettext_noop("不允许的文件类型，仅限：%(allowed)s"),
    "notices": gettext_noop("不允许的文件类型“%(name)s”，仅限：%(allowed)s"),
    "appointments": gettext_noop("不允许的文件类型“%(name)s”，仅限：%(allowed)s"),
    "meetings": gettext_noop("不支持的文件类型，仅限：%(allowed)s"),
    "training": gettext_noop("不支持的文件类型“%(name)s”，允许：%(allowed)s"),
    "evidence": gettext_noop(
        "文件“%(name)s”的内容不是允许的类型（仅限 %(allowed)s，且扩展名须与内容一致）"
    ),
}


def _too_large(name: str, size: int, max_mb: float) -> str:
    return _("文件过大：“%(name)s”%(size).1f MB，超过上限 %(max)g MB（不得超过 %(max)g MB）") % {
        "name": name,
        "size": size / 1024 / 1024,
        "max": max_mb,
    }


def _extension(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ALIASES.get(suffix, suffix)


def check_file(file: IO[bytes], *, size: int, name: str, module: Module) -> str:
    """The checked kind of an upload for `module`; a ValidationError in Chinese otherwise.

    Size first (a file too large is never opened), then emptiness, then the content."""
    rule = upload_rule(module)
    limit = int(rule.max_mb * 1024 * 1024)
    if size > limit:
        raise ValidationError(_too_large(name, size, rule.max_mb), code="too_large")
    if size == 0:
        raise ValidationError(_("文件“%(name)s”为空") % {"name": name}, code="empty")
    try:
        # Judged by the file's own size (at least 1 MiB), so a small bomb is caught too.
        kind = sniff_file(file, max_unpacked=MAX_UNPACKED_RATIO * max(size, 1 << 20))
    except ZipBombError:
        kind = None
    # Plain text has no signature: the name is its only claim, so both must say so.
    if kind is not None and (rule.name_must_match or kind == "txt") and _extension(name) != kind:
        kind = None
    if kind is None or kind not in rule.kinds:
        names = [_(LABELS.get(k, k)) if module == "evidence" else k for k in rule.kinds]
        allowed = _("、").join(names)
        message = _(_TYPE_MESSAGES[module]) % {"name": name, "allowed": allowed}
        raise ValidationError(message, code="type")
    return kind


def check_upload(upload: File[bytes], *, module: Module, field: str | None = "file") -> str:
    """check_file for an uploaded file; the error is keyed by `field` (None: not keyed)."""
    name = upload.name or ""
    try:
        return check_file(upload, size=upload.size or 0, name=name, module=module)
    except ValidationError as exc:
        if field is None:
            raise
        raise ValidationError({field: exc.messages}) from exc


# --- serving it back ------------------------------------------------------------------------


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition header with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    fallback = fallback.strip() or "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def served_name(filename: str, kind: str) -> str:
    """The name a download is saved under: its extension is the checked kind's, so a file
    called notice.html that is a PNG is saved as notice.html.png, never as a page."""
    name = filename.replace("/", "_").replace("\\", "_").strip() or "file"
    return name if _extension(name) == kind or kind not in CONTENT_TYPES else f"{name}.{kind}"


def serve_upload(file: File[bytes], kind: str, filename: str) -> FileResponse:
    """The one download of a user's file: typed by its checked kind, inline only for a checked
    raster image, never sniffed by the browser."""
    content_type = CONTENT_TYPES.get(kind, "application/octet-stream")
    inline = kind in INLINE_KINDS
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        served_name(filename, kind), inline=inline
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:
        # A page that is downloaded runs no script, even in a browser that ignores the above.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def serve_generated(data: bytes, kind: str, filename: str) -> HttpResponse:
    """A file the platform wrote itself (a .docx report, an .xlsx export): always downloaded,
    named by RFC 5987, never sniffed."""
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = content_disposition(served_name(filename, kind))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def sniff_stored(file: File[bytes]) -> str:
    """The kind of a file already stored (for data migrations); "" when unknown or missing, which
    serves it as a plain download."""
    if not file:
        return ""
    try:
        with file.open("rb") as handle:
            return sniff_file(handle) or ""
    except (OSError, ZipBombError):
        return ""


def backfill_kinds(model: type[Any], file_field: str, kind_field: str) -> None:
    """Data migration step: read each stored file's kind from its bytes."""
    for row in model.objects.exclude(**{file_field: ""}).only("pk", file_field).iterator():
        kind = sniff_stored(getattr(row, file_field))
        if kind:
            model.objects.filter(pk=row.pk).update(**{kind_field: kind})
