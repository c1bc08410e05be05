from __future__ import annotations

from typing import Any

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from qrcode.image.svg import SvgPathImage

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core import audit
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.exports import xlsx_response
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.models import AuditAction
from handinhand.core.redirects import safe_next
from handinhand.core.uploads import INLINE_KINDS, serve_upload
from handinhand.core.views_helpers import access, form_page, require, show_conflict
from handinhand.meetings import checkin, ical, selectors, services
from handinhand.meetings.forms import (
    ActionItemForm,
    AttendeesForm,
    ComplianceFilterForm,
    InviteForm,
    MeetingFileForm,
    MeetingFilterForm,
    MeetingForm,
    TodoFilterForm,
)
from handinhand.meetings.models import (
    InviteeKind,
    Meeting,
    MeetingFile,
    MeetingStatus,
    Todo,
)
from handinhand.programme.access import can_manage_group
from handinhand.programme.models import GuidanceGroup

MEETING_LIST = ListSpec(
    title=_lazy("会议"),
    queryset=selectors.meetings_for_list,
    columns=[
        Column("date", _lazy("会议日期"), sort="date"),
        Column("title", _lazy("会议名称"), sort="title", link=True),
        Column("kind", _lazy("会议类型"), sort="kind"),
        Column("group.name", _lazy("主办指导组"), sort="group__name"),
        Column("place", _lazy("地点")),
        Column("chair.full_name", _lazy("主持人")),
        Column("status", _lazy("状态"), sort="status"),
        Column("agenda", _lazy("议程"), export_only=True),
    ],
    search_fields=["title", "group__name", "place"],
    default_sort="-date",
    filter_form=MeetingFilterForm,
    detail_url="meetings:meeting_detail",
    export_name="meetings.meeting",
    extra_actions=(),
)


@login_required
def meeting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, MEETING_LIST)


def _visible_group(request: AuthenticatedHttpRequest, pk: int) -> GuidanceGroup:
    return access(GuidanceGroup.objects.visible_to(request.user).select_related("region"), pk=pk)


def _meeting(request: AuthenticatedHttpRequest, pk: int, *, manage: bool = False) -> Meeting:
    meeting = access(selectors.meeting_detail_qs(request.user), pk=pk)
    if manage:
        require(can_manage_group(request.user, meeting.group))
    return meeting


@login_required
def meeting_create(request: AuthenticatedHttpRequest, group_pk: int) -> HttpResponse:
    group = _visible_group(request, group_pk)
    require(can_manage_group(request.user, group))
    form = MeetingForm(request.POST or None, group=group, user=request.user)
    return form_page(
        request,
        form=form,
        title=_("计划会议：%(group)s") % {"group": group.name},
        success_message=_("会议已列入计划"),
        back_url=reverse("programme:group_detail", args=[group.pk]),
        save=lambda data: services.meeting_plan(
            actor=request.user,
            group=group,
            **{k: v for k, v in data.items() if k != "expected_version"},
        ),
    )


@login_required
def meeting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    # The roll reads the host group first, then the other groups, the bureaus, the guests.
    roll_order = Case(
        When(kind=InviteeKind.MEMBER, group_id=meeting.group_id, then=Value(0)),
        When(kind=InviteeKind.MEMBER, then=Value(1)),
        When(kind=InviteeKind.STAFF, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    attendances = list(
        meeting.attendances.select_related("user", "group").order_by(
            roll_order, "group__name", "user__full_name", "guest_name", "id"
        )
    )
    on_roll = {a.user_id for a in attendances}
    can_manage = can_manage_group(request.user, meeting.group)
    files = list(meeting.files.all())
    context: dict[str, Any] = {
        "meeting": meeting,
        "can_manage": can_manage,
        "attendances": attendances,
        "signed": sum(1 for a in attendances if a.signed_in),
        "my_attendance": next((a for a in attendances if a.user_id == request.user.pk), None),
        "candidates": [m for m in selectors.meeting_members(meeting) if m.user_id not in on_roll]
        if can_manage
        else [],
        "invite_groups": list(selectors.invitable_groups(request.user).order_by("level", "name"))
        if can_manage
        else [],
        "invite_staff": [u for u in selectors.invitable_staff(request.user) if u.pk not in on_roll]
        if can_manage
        else [],
        "invite_form": InviteForm(),
        "guest_kind": InviteeKind.GUEST,
        "files": files,
        # Photos of the meeting (a checked raster image, served inline) are shown, not listed.
        "photos": [f for f in files if f.kind in INLINE_KINDS],
        "action_items": list(meeting.action_items.select_related("owner")),
        "file_form": MeetingFileForm(),
        "action_form": ActionItemForm(group=meeting.group),
        "today": timezone.localdate(),
        "can_project": can_manage and _can_project(meeting),
    }
    return render(request, "meetings/meeting_detail.html", context)


def _can_project(meeting: Meeting) -> bool:
    """The QR sign-in is for the meeting's day (or a meeting still ahead), never afterwards."""
    return meeting.status != MeetingStatus.CANCELLED and meeting.date >= timezone.localdate()


@login_required
def meeting_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, manage=True)
    form = MeetingForm(
        request.POST or None, instance=meeting, group=meeting.group, user=request.user
    )

    return form_page(
        request,
        form=form,
        title=_("编辑会议：%(title)s") % {"title": meeting.title},
        success_message=_("会议已保存"),
        back_url=meeting.get_absolute_url(),
        update=lambda data, version: services.meeting_update(
            actor=request.user, meeting=meeting, data=data, expected_version=version
        ),
    )


def _run(request: AuthenticatedHttpRequest, action: Any, success: str) -> None:
    """Call a service from a POST button; refusals become messages, never lost silently."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        show_conflict(request)
    except PermissionDeniedError:
        raise Http404 from None
    else:
        messages.success(request, success)


def _version(request: AuthenticatedHttpRequest) -> int | None:
    try:
        return int(request.POST.get("expected_version", ""))
    except ValueError:
        return None


@login_required
@require_POST
def meeting_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, manage=True)
    if request.POST.get("status") == MeetingStatus.CANCELLED:
        _run(
            request,
            lambda: services.meeting_cancel(
                actor=request.user, meeting=meeting, expected_version=_version(request)
            ),
            _("会议已取消"),
        )
    else:
        _run(
            request,
            lambda: services.meeting_mark_held(
                actor=request.user, meeting=meeting, expected_version=_version(request)
            ),
            _("会议已标记为已召开"),
        )
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def attendance_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, manage=True)
    form = AttendeesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择参会人员"))
    else:
        users = list(form.cleaned_data["users"])
        _run(
            request,
            lambda: services.attendance_set(actor=request.user, meeting=meeting, users=users),
            _("参会名单已更新"),
        )
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Invite groups, accounts and named guests (issue 11)."""
    meeting = _meeting(request, pk, manage=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        data = form.cleaned_data
        _run(
            request,
            lambda: services.meeting_invite(
                actor=request.user,
                meeting=meeting,
                groups=list(data["groups"]),
                users=list(data["users"]),
                guests=data["guests"],
            ),
            _("邀请名单已更新"),
        )
    return redirect(meeting.get_absolute_url() + "#attendance")


@login_required
@require_POST
def sign_in(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Sign in: oneself, or (for the group's managers) anyone on the roll, a guest without an
    account too (by the invitation's id)."""
    meeting = _meeting(request, pk)
    attendance_id = request.POST.get("attendance", "")
    if attendance_id:
        require(can_manage_group(request.user, meeting.group))
        row = access(meeting.attendances.all(), pk=attendance_id if attendance_id.isdigit() else 0)
        signed_row = request.POST.get("undo") != "1"
        _run(
            request,
            lambda: services.attendance_mark(
                actor=request.user, attendance=row, signed_in=signed_row
            ),
            _("已签到") if signed_row else _("已撤销签到"),
        )
        return redirect(meeting.get_absolute_url() + "#attendance")
    who = request.POST.get("user") or str(request.user.pk)
    target = (
        meeting.attendances.filter(user_id=who if who.isdigit() else 0)
        .select_related("user")
        .first()
    )
    if target is None or target.user is None:
        raise Http404  # as require(): nobody learns who is or isn't on the roll
    person = target.user
    signed = request.POST.get("undo") != "1"
    _run(
        request,
        lambda: services.attendance_sign_in(
            actor=request.user, meeting=meeting, user=person, signed_in=signed
        ),
        _("已签到") if signed else _("已撤销签到"),
    )
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def file_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, manage=True)
    form = MeetingFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件"))
    else:
        upload = form.cleaned_data["file"]
        _run(
            request,
            lambda: services.meeting_file_add(actor=request.user, meeting=meeting, upload=upload),
            _("会议材料已上传"),
        )
    return redirect(meeting.get_absolute_url())


@login_required
def file_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    item = access(
        MeetingFile.objects.filter(meeting__in=Meeting.objects.visible_to(request.user)), pk=pk
    )
    return serve_upload(item.file, item.kind, item.name)


@login_required
@require_POST
def action_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, manage=True)
    form = ActionItemForm(request.POST, group=meeting.group)
    if not form.is_valid():
        messages.error(request, _("请完整填写决定事项、责任人和完成期限"))
    else:
        data = form.cleaned_data
        _run(
            request,
            lambda: services.action_item_create(
                actor=request.user,
                meeting=meeting,
                text=data["text"],
                owner=data["owner"],
                due=data["due"],
            ),
            _("决定事项已添加，并已生成责任人的待办"),
        )
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def action_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access(
        selectors.action_items_for_list(request.user).select_related("meeting__group__region"),
        pk=pk,
    )
    require(item.owner_id == request.user.pk or can_manage_group(request.user, item.meeting.group))
    done = request.POST.get("undo") != "1"
    _run(
        request,
        lambda: services.action_item_update(
            actor=request.user,
            item=item,
            data={"done": done},
            expected_version=_version(request),
        ),
        _("决定事项已完成") if done else _("决定事项已重新打开"),
    )
    return redirect(safe_next(request, item.meeting.get_absolute_url()))


# --- sign-in by QR code (issue 11) ---------------------------------------------------------------


def _qr_svg(data: str) -> str:
    # Drawn on the server from our own URL (no user text in it), as the enrolment QR code is.
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=12, border=2)
    return str(image.to_string(encoding="unicode"))


def _qr_context(request: AuthenticatedHttpRequest, meeting: Meeting) -> dict[str, Any]:
    code = checkin.make(meeting.pk)
    url = request.build_absolute_uri(reverse("meetings:checkin", args=[meeting.pk]))
    url = f"{url}?code={code}"
    signed = meeting.attendances.filter(signed_in=True).count()
    return {
        "meeting": meeting,
        "qr_svg": mark_safe(_qr_svg(url)),  # noqa: S308
        "checkin_url": url,
        "signed": signed,
        "invited": meeting.attendances.count(),
        "rotate": checkin.ROTATE_SECONDS,
        "now": timezone.localtime(),
    }


@login_required
def meeting_qr(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The page the organiser projects at the meeting: a QR code that changes every minute."""
    meeting = _meeting(request, pk, manage=True)
    if not _can_project(meeting):
        messages.error(request, _("会议已取消或已过会议日期，不能扫码签到"))
        return redirect(meeting.get_absolute_url())
    return render(request, "meetings/meeting_qr.html", _qr_context(request, meeting))


@login_required
def meeting_qr_code(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The projected page's fresh QR code and sign-in count (htmx, every ROTATE_SECONDS)."""
    meeting = _meeting(request, pk, manage=True)
    require(_can_project(meeting))
    return render(request, "meetings/meeting_qr.html#code", _qr_context(request, meeting))


@login_required
def checkin_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Where the QR code leads, on the invitee's phone: login first (login_required keeps the
    code in `next`), then one button. A refused sign-in says why in Chinese, writes nothing."""
    meeting = _meeting(request, pk)
    code = (request.POST.get("code") or request.GET.get("code") or "")[:200]
    attendance = meeting.attendances.filter(user_id=request.user.pk).first()
    error, status = "", 200
    try:
        if request.method != "POST" and not code:
            # Opened without scanning: say how to sign in; nothing is wrong yet.
            raise ValidationError(_("请使用手机扫描会场屏幕上的二维码签到"), code="no_code")
        if request.method == "POST":
            attendance, _new = services.checkin_by_code(
                actor=request.user, meeting=meeting, code=code
            )
        else:
            services.checkin_check(actor=request.user, meeting=meeting, code=code)
    except ValidationError as exc:
        error = "；".join(exc.messages)
        status = {services.NOT_INVITED: 403, "no_code": 200}.get(exc.code or "", 400)
    context = {
        "meeting": meeting,
        "code": code,
        "error": error,
        "done": not error and attendance is not None and attendance.signed_in,
        "attendance": attendance,
    }
    return render(request, "meetings/checkin.html", context, status=status)


# --- compliance calendar ------------------------------------------------------------------------


@login_required
def compliance(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ComplianceFilterForm(request.GET or None)
    values = form.values()
    calendars = selectors.compliance_calendar(request.user, **values)
    if request.GET.get("export") == "xlsx":
        return _compliance_xlsx(request, calendars, values["year"])
    for cal in calendars:
        for row in cal.rows:
            row.can_plan = can_manage_group(request.user, row.group)
    context = {
        "form": form,
        "calendars": calendars,
        "year": values["year"],
        "query": request.GET.urlencode(),
    }
    template = "meetings/compliance.html"
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        template = f"{template}#results"
    return render(request, template, context)


FILLS = {
    selectors.MET: "C6EFCE",
    selectors.DUE: "FFEB9C",
    selectors.MISSED: "FFC7CE",
    selectors.NOT_OWED: "EEEEEE",
}


def _compliance_xlsx(
    request: AuthenticatedHttpRequest, calendars: list[selectors.RuleCalendar], year: int
) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    rows = 0
    for cal in calendars:
        sheet = workbook.create_sheet(cal.rule.name[:31])
        sheet.append(
            [_("指导组"), _("层级"), _("行政区划")]
            + [f"{p.label}（{p.start:%m-%d}～{p.end:%m-%d}）" for p in cal.periods]
        )
        for cell in sheet[1]:
            cell.font = bold
        for row in cal.rows:
            sheet.append(
                [row.group.name, row.group.get_level_display(), row.group.region.name]
                + [f"{c.label} {c.held}/{c.owed}" for c in row.cells]
            )
            for cell, value in zip(sheet[sheet.max_row][3:], row.cells, strict=True):
                cell.fill = PatternFill("solid", fgColor=FILLS[value.status])
            rows += 1
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="meetings.compliance",
        object_repr=_("会议合规日历 %(year)s（%(n)s行）") % {"year": year, "n": rows},
        changes={"filters": [None, request.GET.urlencode()]},
    )
    return xlsx_response(workbook, f"会议合规日历-{year}.xlsx")


@login_required
def calendar_feed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's planned meetings as an iCalendar file (RFC 5545)."""
    meetings = selectors.planned_meetings_for(request.user)
    response = HttpResponse(ical.feed(meetings), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="handinhand-meetings.ics"'
    return response


# --- the private calendar link (issue 14) -------------------------------------------------------


def _subscription_url(request: HttpRequest, raw: str) -> str:
    return request.build_absolute_uri(reverse("meetings:calendar_token_feed", args=[raw]))


@login_required
def calendar_subscription(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's private calendar link, made on first visit, with copy and reset."""
    _token, raw = services.calendar_token_for(actor=request.user)
    context = {
        "url": _subscription_url(request, raw),
        "webcal": _subscription_url(request, raw)
        .replace("https://", "webcal://", 1)
        .replace("http://", "webcal://", 1),
        "count": selectors.calendar_meetings_for(request.user).count(),
    }
    return render(request, "meetings/calendar_subscription.html", context)


@login_required
@require_POST
def calendar_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.calendar_token_reset(actor=request.user)
    messages.success(request, _("订阅链接已重置，原链接已失效；请在日历软件中使用新链接重新订阅"))
    return redirect("meetings:calendar_subscription")


def calendar_token_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscribed calendar, without login: the token is the credential. Unknown, revoked or
    a deactivated owner's token answers 404, as any missing page."""
    owner = selectors.calendar_token_owner(token)
    if owner is None:
        raise Http404
    meetings = selectors.calendar_meetings_for(owner)
    response = HttpResponse(ical.feed(meetings), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="handinhand-meetings.ics"'
    # The link is a secret: no shared cache keeps it, no page it is opened from learns it.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- to-dos ---------------------------------------------------------------------------------------

TODO_LIST = ListSpec(
    title=_lazy("我的待办"),
    queryset=selectors.todos_for_list,
    columns=[
        Column("text", _lazy("事项")),
        Column("kind", _lazy("类型"), sort="kind"),
        Column("due", _lazy("期限"), sort="due"),
        Column("done", _lazy("已完成"), sort="done"),
        Column("link", _lazy("链接"), export_only=True),
    ],
    search_fields=["text"],
    default_sort="done",
    filter_form=TodoFilterForm,
    export_name="meetings.todo",
    template="meetings/todo_list.html",
)


@login_required
def todo_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, TODO_LIST)


@login_required
@require_POST
def todo_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    todo: Todo = access(Todo.objects.visible_to(request.user), pk=pk)
    done = request.POST.get("undo") != "1"
    _run(
        request,
        lambda: services.todo_set_done(actor=request.user, todo=todo, done=done),
        _("待办已完成") if done else _("待办已重新打开"),
    )
    return redirect("meetings:todo_list")
