"""统一社会信用代码 (GB 32100-2015): 18 characters with a check character."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    return check_character(code[:17]) == code[17]


def validate_credit_code(value: str) -> None:
    if len(value) != 18:
        raise ValidationError(_("统一社会信用代码应为18位"), code="length")
    if any(ch not in ALPHABET for ch in value):
        raise ValidationError(
            _("统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）"), code="chars"
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确"), code="check")


def make_credit_code(org_type: str, region_code: str, serial: int) -> str:
    """A valid code for synthetic data: 52 = 事业单位 category, region, 9-character body."""
    body = f"{serial:09d}"
    first17 = f"{org_type}{region_code}{body}"
    return first17 + check_character(first17)
