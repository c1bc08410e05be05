"""The administrators' own queues (待办): the security administrator approves the password
resets of privileged accounts the system administrator asked for (two-person rule)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.accounts.models import PasswordResetRequest
from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.scope import get_scope


def reset_pending(user: Any, today: dt.date) -> QuerySet[PasswordResetRequest]:
    if not get_scope(user).can_manage_roles:
        return PasswordResetRequest.objects.none()
    return PasswordResetRequest.objects.visible_to(user).pending()


def reset_items(user: Any, today: dt.date) -> list[WorkItem]:
    rows = reset_pending(user, today).select_related("user").order_by("created_at", "pk")
    url = reverse("accounts:reset_request_list")
    return [
        WorkItem(
            source="accounts.reset_approval",
            key=f"reset:{r.pk}",
            title=_("审批密码重置申请"),
            url=url,
            subject=_("%(user)s（%(when)s申请）")
            % {"user": r.user, "when": f"{timezone.localdate(r.created_at):%Y-%m-%d}"},
        )
        for r in rows
    ]


def register() -> None:
    register_work(
        WorkSource("accounts.reset_approval", _lazy("用户与角色"), reset_items, reset_pending)
    )
