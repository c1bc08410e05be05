"""The password rules of MLPS (GB/T 22239-2019 §8.1.4.1 a) that Django does not ship.

Character classes (3 of 4), no personal data (username, the name in pinyin, the phone number)
and no reuse of the last five passwords. The settings comment says why these are enforced
although OWASP ASVS advises against composition and rotation rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

if TYPE_CHECKING:
    from handinhand.accounts.models import User

MIN_CLASSES = 3


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class CharacterClassValidator:
    """At least three of: lower-case letters, upper-case letters, digits, other characters."""

    def validate(self, password: str, user: User | None = None) -> None:
        if character_classes(password) < MIN_CLASSES:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。"),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。")


def personal_fragments(user: User) -> list[str]:
    """What a password must not contain: the username, the name in pinyin (both orders of
    surname and given name, and with initials), the phone number."""
    fragments: list[str] = []
    username = (getattr(user, "username", "") or "").lower()
    if len(username) >= 3:
        fragments.append(username)
    name = getattr(user, "full_name", "") or ""
    hanzi = "".join(c for c in name if "\u4e00" <= c <= "\u9fff")
    if hanzi:
        syllables = [s.lower() for s in lazy_pinyin(hanzi)]
        fragments.append("".join(syllables))
        if len(syllables) >= 2:
            # 张伟 → zhangwei, weizhang; 李指导 → lizhidao, zhidaoli.
            fragments.append("".join(syllables[1:] + syllables[:1]))
    phone = re.sub(r"\D", "", getattr(user, "phone", "") or "")
    if len(phone) >= 6:
        fragments.append(phone)
    return [f for f in fragments if len(f) >= 3]


class PersonalDataValidator:
    def validate(self, password: str, user: User | None = None) -> None:
        if user is None:
            return
        lowered = password.lower()
        if any(fragment in lowered for fragment in personal_fragments(user)):
            raise ValidationError(
                _("密码不能包含用户名、姓名拼音或手机号码。"), code="password_personal_data"
            )

    def get_help_text(self) -> str:
        return _("密码不能包含用户名、姓名拼音或手机号码。")


class PasswordHistoryValidator:
    """Not the current password nor one of the last PASSWORD_HISTORY_COUNT ones."""

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        from handinhand.accounts.models import PasswordHistory, User

        count = int(getattr(settings, "PASSWORD_HISTORY_COUNT", 5))
        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                :count
            ]
        )
        if current:
            hashes.insert(0, current)
        if any(check_password(password, encoded) for encoded in hashes[:count]):
            raise ValidationError(
                _("不能使用最近 %(count)d 次用过的密码。"),
                code="password_reused",
                params={"count": count},
            )

    def get_help_text(self) -> str:
        return _("不能使用最近 5 次用过的密码。")
