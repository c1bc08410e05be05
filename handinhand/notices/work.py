"""The notices' work in the inbox (待办): every notice the person has not yet read, derived
from their unread receipts — opening the notice is what takes it away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handinhand.core.inbox import WorkItem, WorkSource
from handinhand.notices.models import NoticeReceipt

SOURCE = "notices.unread"


def pending(user: Any, today: dt.date) -> QuerySet[NoticeReceipt]:
    return NoticeReceipt.objects.filter(user_id=getattr(user, "pk", 0) or 0, read_at__isnull=True)


def items(user: Any, today: dt.date) -> Iterable[WorkItem]:
    rows = (
        pending(user, today)
        .select_related("notice")
        .order_by("-notice__pinned", "-notice__published_at")
    )
    for receipt in rows:
        notice = receipt.notice
        yield WorkItem(
            source=SOURCE,
            key=f"notice:{notice.pk}",
            title=_("提醒：请阅读通知") if receipt.reminded_at else _("阅读通知"),
            url=reverse("notices:detail", args=[notice.pk]),
            due=notice.deadline,
            subject=notice.title,
        )


SOURCE_SPEC = WorkSource(name=SOURCE, label=gettext_lazy("通知公告"), items=items, pending=pending)
