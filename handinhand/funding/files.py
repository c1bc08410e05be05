"""Receipt scans and disbursement attachments: judged by their bytes against the funding
policy's types and size. The sniffing is the project's one upload checker (guidance/files.py
on this branch; core/uploads.py once it lands — this module is the only seam to switch)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from handinhand.core.policy import get_policy
from handinhand.guidance.files import sniff


def check_upload(upload: UploadedFile[bytes], *, field: str = "receipt") -> str:
    """The file's kind if the policy allows its type and size; ValidationError otherwise."""
    policy = get_policy().funding
    limit = int(policy.receipt_max_mb * 1024 * 1024)
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {field: _("文件过大：不得超过 %(mb)s MB") % {"mb": f"{policy.receipt_max_mb:g}"}}
        )
    if upload.size == 0:
        raise ValidationError({field: _("文件为空")})
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(0)
    kind = sniff(head)
    if kind is None or kind not in policy.receipt_types:
        allowed = "、".join(policy.receipt_types)
        raise ValidationError({field: _("不允许的文件类型，仅限：%(types)s") % {"types": allowed}})
    return kind


CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "pdf": "application/pdf",
}
