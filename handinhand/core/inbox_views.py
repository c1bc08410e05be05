"""我的待办: the one inbox page, every module's work for the user — filter, pages, .xlsx."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook

from handinhand.core import audit, formats
from handinhand.core.exports import xlsx_response
from handinhand.core.forms import StyledFormMixin, choice_field
from handinhand.core.inbox import WorkItem, inbox_count, inbox_items, work_sources
from handinhand.core.models import AuditAction

PAGE_SIZE = 20

OVERDUE, DUE_SOON, ALL = "overdue", "soon", ""
SOON_DAYS = 14


class InboxFilter(StyledFormMixin, forms.Form):
    module = forms.ChoiceField(label=_lazy("模块"), required=False)
    when = forms.ChoiceField(
        label=_lazy("期限"),
        required=False,
        choices=[
            (ALL, _lazy("全部")),
            (OVERDUE, _lazy("已逾期")),
            (DUE_SOON, _lazy("14天内到期")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = list(dict.fromkeys(str(s.label) for s in work_sources.values()))
        choice_field(self, "module").choices = [("", _("全部模块")), *[(x, x) for x in labels]]


def module_of(item: WorkItem) -> str:
    source = work_sources.get(item.source)
    return str(source.label) if source else ""


def filter_items(items: list[WorkItem], form: InboxFilter, today: dt.date) -> list[WorkItem]:
    if not form.is_valid():
        return items
    module = form.cleaned_data.get("module") or ""
    when = form.cleaned_data.get("when") or ""
    if module:
        items = [i for i in items if module_of(i) == module]
    if when == OVERDUE:
        items = [i for i in items if i.due is not None and i.due < today]
    elif when == DUE_SOON:
        items = [i for i in items if i.due is not None and 0 <= (i.due - today).days <= SOON_DAYS]
    return items


def inbox_rows(items: list[WorkItem], today: dt.date) -> list[dict[str, Any]]:
    """What the item template shows of each item (also used by the homes)."""
    rows = []
    for item in items:
        days = item.days_left(today)
        overdue = -days if days is not None and days < 0 else 0
        rows.append({"item": item, "module": module_of(item), "days": days, "overdue": overdue})
    return rows


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = InboxFilter(request.GET or None)
    items = filter_items(inbox_items(request.user, today), form, today)
    if request.GET.get("export") == "xlsx":
        return _export(request, items, today)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = inbox_rows(list(page), today)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "today": today,
        "query": query.urlencode(),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
    template = "core/inbox.html"
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        template = f"{template}#results"
    return render(request, template, context)


@login_required
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The navigation's count, fetched by htmx after the page: one union COUNT."""
    n = inbox_count(request.user, timezone.localdate())
    return render(request, "core/_inbox_badge.html", {"n": n})


def _days_text(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return _("已逾期%(n)s天") % {"n": -days}
    if days == 0:
        return _("今天到期")
    return _("剩余%(n)s天") % {"n": days}


def _export(request: HttpRequest, items: list[WorkItem], today: dt.date) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101  (a new workbook always has its first sheet)
    sheet.title = _("我的待办")
    sheet.append(
        [_("模块"), _("事项"), _("对象"), _("期限"), _("剩余/逾期"), _("退回原因"), _("链接")]
    )
    for item in items:
        sheet.append(
            [
                module_of(item),
                item.title,
                item.subject,
                formats.day(item.due, empty=""),
                _days_text(item.days_left(today)),
                item.reason,
                request.build_absolute_uri(item.url),
            ]
        )
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="inbox",
        object_repr=_("我的待办（%(n)s行）") % {"n": len(items)},
        changes={"filters": [None, request.GET.urlencode()]},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(workbook, f"{_('我的待办')}-{stamp}.xlsx")
