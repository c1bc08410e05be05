from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.models import User
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.forms import add_service_errors
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.uploads import serve_upload
from handinhand.core.views_helpers import access, require, require_business, show_conflict
from handinhand.notices import access as rules
from handinhand.notices import selectors, services
from handinhand.notices.audience import Audience
from handinhand.notices.forms import EditForm, PublishForm, ReceiptFilterForm
from handinhand.notices.models import Notice, NoticeAttachment, NoticeReceipt

PAGE_SIZE = 20


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """收到的通知 (unread first); 已发布的通知 with their counts for the publishing side."""
    require_business(request)
    user = _actor(request)
    can_publish = rules.can_publish(user)
    sees_sent = can_publish or selectors.sent(user).exists()
    box = "sent" if request.GET.get("box") == "sent" and sees_sent else "received"
    qs: Any = selectors.sent(user) if box == "sent" else selectors.received(user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "box": box,
        "page": page,
        "can_publish": can_publish,
        "sees_sent": sees_sent,
        "unread": selectors.unread_count(user) if box == "received" else None,
    }
    return render(request, "notices/list.html", context)


@login_required
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The navigation's unread count, fetched after the page (htmx), so that no page pays a
    query for it."""
    count = selectors.unread_count(request.user) if request.user.is_authenticated else 0
    return render(request, "notices/_badge.html", {"count": count})


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _actor(request)
    notice = access(Notice.objects.visible_to(user).select_related("publisher_region"), pk=pk)
    receipt = selectors.receipt_of(user, notice)
    updated = bool(receipt and receipt.read_at and (receipt.read_revision or 0) < notice.revision)
    if receipt is not None:
        services.receipt_read(user=user, notice=notice)
    side = rules.can_see_receipts(user, notice)
    context = {
        "notice": notice,
        "receipt": receipt,
        "updated": updated,
        "attachments": list(notice.attachments.all()),
        "versions": list(notice.versions.select_related("replaced_by")),
        "can_edit": rules.can_edit(user, notice),
        "can_see_receipts": side,
        "counts": selectors.receipt_counts(notice) if side else None,
    }
    return render(request, "notices/detail.html", context)


def _picker_context(request: HttpRequest, form: Any) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else request.GET
    return {
        "pickers": [
            (
                kind,
                label,
                selectors.picker_items(request.user, kind, data.getlist(kind)),
                placeholder,
            )
            for kind, label, placeholder in (
                ("regions", _("按地区"), _("输入市、县名称搜索")),
                ("groups", _("按指导组"), _("输入指导组名称搜索")),
                ("schools", _("按学校"), _("输入学校名称搜索")),
            )
        ]
    }


@login_required
def notice_create(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    require(rules.can_publish(user))
    form = PublishForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_publish(
                actor=user,
                title=data["title"],
                body=data["body"],
                deadline=data["deadline"],
                pinned=data["pinned"],
                attachments=data["attachments"],
                audience=Audience.of(
                    levels=data["levels"],
                    regions=data["regions"],
                    roles=data["roles"],
                    groups=data["groups"],
                    schools=data["schools"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDeniedError:
            require(False)
        else:
            messages.success(
                request,
                _("通知已发布，送达 %(n)d 人") % {"n": notice.receipts.count()},
            )
            return redirect(notice.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("发布通知"), **_picker_context(request, form)}
    return render(request, "notices/form.html", context, status=status)


@login_required
def audience_search(request: HttpRequest) -> HttpResponse:
    """The picker's results (htmx): the chosen ones and the matches, in the publisher's scope."""
    require(rules.can_publish(request.user))
    kind = request.GET.get("kind", "schools")
    require(kind in selectors.PICKER_KINDS)
    items = selectors.picker_items(
        request.user, kind, request.GET.getlist(kind), request.GET.get(f"q_{kind}", "")
    )
    return render(request, "notices/_picker_items.html", {"kind": kind, "items": items})


@login_required
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _actor(request)
    notice = access(Notice.objects.visible_to(user), pk=pk)
    require(rules.can_edit(user, notice))
    initial = {
        "title": notice.title,
        "body": notice.body,
        "deadline": notice.deadline,
        "pinned": notice.pinned,
        "expected_version": notice.version,
    }
    form = EditForm(request.POST or None, request.FILES or None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_update(
                actor=user,
                notice=notice,
                title=data["title"],
                body=data["body"],
                deadline=data["deadline"],
                pinned=data["pinned"],
                reason=data["reason"],
                attachments=data["attachments"],
                expected_version=data["expected_version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            conflict = True
        else:
            messages.success(request, _("通知已更新为新版本，阅读回执保留"))
            return redirect(notice.get_absolute_url())
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    context = {"form": form, "title": _("修改通知"), "notice": notice, "conflict": conflict}
    return render(request, "notices/form.html", context, status=status)


def _receipt_spec(notice: Notice) -> ListSpec:
    regions = dict(
        NoticeReceipt.objects.filter(notice=notice, region__isnull=False)
        .values_list("region__parent_id", "region__parent__name")
        .distinct()
    )
    regions.pop(None, None)
    for code, name, parent in (
        NoticeReceipt.objects.filter(notice=notice, region__isnull=False)
        .values_list("region_id", "region__name", "region__parent__name")
        .distinct()
    ):
        regions[code] = f"{parent or ''}{name}" if code not in regions else name
    filter_form = type(
        "NoticeReceiptFilter",
        (ReceiptFilterForm,),
        {"region_choices": sorted(regions.items())},
    )
    return ListSpec(
        title=_lazy("未读人员"),
        queryset=lambda user: selectors.unread_receipts(notice),
        columns=[
            Column("user.full_name", _lazy("姓名"), sort="user__full_name"),
            Column("user.username", _lazy("账号"), export_only=True),
            Column("user.work_unit", _lazy("工作单位"), sort="user__work_unit"),
            Column("region.full_name", _lazy("所在地区"), sort="region_id"),
            Column("user.phone", _lazy("联系电话"), export_only=True),
            Column("reminded_at", _lazy("最近提醒"), sort="reminded_at"),
        ],
        search_fields=["user__full_name", "user__work_unit"],
        default_sort="region_id",
        filter_form=filter_form,
        export_name="notices.unread",
        template="notices/receipts.html",
    )


@login_required
def notice_receipts(request: HttpRequest, pk: int) -> HttpResponse:
    user = _actor(request)
    notice = access(Notice.objects.visible_to(user), pk=pk)
    require(rules.can_see_receipts(user, notice))
    today_reminded = notice.reminders.filter(day=timezone.localdate()).first()
    return render_list(
        request,
        _receipt_spec(notice),
        {
            "notice": notice,
            "counts": selectors.receipt_counts(notice),
            "can_remind": rules.can_remind(user, notice),
            "today_reminded": today_reminded,
        },
    )


@login_required
@require_POST
def notice_remind(request: HttpRequest, pk: int) -> HttpResponse:
    user = _actor(request)
    notice = access(Notice.objects.visible_to(user), pk=pk)
    require(rules.can_remind(user, notice))
    try:
        reminder, created = services.notice_remind(actor=user, notice=notice)
    except ValidationError as exc:
        messages.info(request, exc.messages[0])
    except ConflictError:
        show_conflict(request)
    else:
        if created:
            messages.success(request, _("已提醒 %(n)d 名未读人员") % {"n": reminder.recipients})
        else:
            messages.info(request, _("今天已经提醒过未读人员，每天只提醒一次"))
    return redirect(reverse("notices:receipts", args=[notice.pk]))


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    user = _actor(request)
    attachment = access(
        NoticeAttachment.objects.filter(notice__in=Notice.objects.visible_to(user).values("pk")),
        pk=pk,
    )
    return serve_upload(attachment.file, attachment.kind, attachment.name)
