from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.forms import add_service_errors
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.policy import get_policy
from handinhand.core.uploads import serve_upload
from handinhand.core.views_helpers import access, form_page, require
from handinhand.training import selectors, services
from handinhand.training.access import can_create_session, can_manage_session
from handinhand.training.forms import (
    AttendanceForm,
    HoursFilterForm,
    MaterialForm,
    SessionFilterForm,
    SessionForm,
)
from handinhand.training.models import Attendance, TrainingMaterial, TrainingSession

SESSION_LIST = ListSpec(
    title=_lazy("业务培训"),
    queryset=selectors.sessions_for_list,
    columns=[
        Column("topic", _lazy("培训主题"), sort="topic", link=True),
        Column("date", _lazy("培训日期"), sort="date"),
        Column("hours", _lazy("学时"), sort="hours"),
        Column("group.name", _lazy("所属指导组"), sort="group__name"),
        Column("organiser", _lazy("组织者")),
        Column("location", _lazy("地点"), export_only=True),
        Column("attendee_count", _lazy("参训人数"), sort="attendee_count"),
        Column("material_count", _lazy("资料数"), sort="material_count"),
    ],
    search_fields=["topic", "location", "organiser__full_name"],
    default_sort="-date",
    filter_form=SessionFilterForm,
    detail_url="training:session_detail",
    create_url="training:session_create",
    can_create=services.can_create_session,
    export_name="training.session",
)


@login_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, SESSION_LIST)


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = access(selectors.session_detail_qs(request.user), pk=pk)
    can_manage = can_manage_session(request.user, session)
    context = {
        "session": session,
        "attendances": selectors.session_attendances(request.user, session),
        "materials": session.materials.select_related("uploaded_by"),
        "can_manage": can_manage,
        "attendance_form": AttendanceForm(user=request.user) if can_manage else None,
        "material_form": MaterialForm() if can_manage else None,
        "policy": get_policy().training,
    }
    return render(request, "training/session_detail.html", context)


@login_required
def session_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_create_session(request.user))
    form = SessionForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form=form,
        title=_("新增培训"),
        success_message=_("培训已新增"),
        back_url=reverse("training:session_list"),
        save=lambda data: services.session_create(
            actor=request.user, **{k: v for k, v in data.items() if k != "expected_version"}
        ),
    )


@login_required
def session_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = access(selectors.session_detail_qs(request.user), pk=pk)
    require(can_manage_session(request.user, session))
    form = SessionForm(request.POST or None, instance=session, user=request.user)

    return form_page(
        request,
        form=form,
        title=_("编辑培训：%(topic)s") % {"topic": session.topic},
        success_message=_("培训已保存"),
        back_url=session.get_absolute_url(),
        update=lambda data, version: services.session_update(
            actor=request.user, session=session, data=data, expected_version=version
        ),
    )


def _managed_session(request: AuthenticatedHttpRequest, pk: int) -> TrainingSession:
    session = access(selectors.session_detail_qs(request.user), pk=pk)
    require(can_manage_session(request.user, session))
    return session


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
@require_POST
def attendance_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    form = AttendanceForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.attendance_add(
                actor=request.user,
                session=session,
                user=form.cleaned_data["user"],
                hours=form.cleaned_data.get("hours"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, _("参训记录已添加"))
    return redirect(session.get_absolute_url())


@login_required
@require_POST
def attendance_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attendance = access(
        Attendance.objects.visible_to(request.user).select_related("session"), pk=pk
    )
    require(can_manage_session(request.user, attendance.session))
    services.attendance_remove(actor=request.user, attendance=attendance)
    messages.success(request, _("参训记录已删除"))
    return redirect(attendance.session.get_absolute_url())


@login_required
@require_POST
def material_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件"))
        return redirect(session.get_absolute_url())
    try:
        services.material_upload(
            actor=request.user, session=session, upload=form.cleaned_data["file"]
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except PermissionDeniedError:
        require(False)
    else:
        messages.success(request, _("资料已上传"))
    return redirect(session.get_absolute_url())


@login_required
def material_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    sessions = TrainingSession.objects.visible_to(request.user).values("pk")
    material = access(TrainingMaterial.objects.filter(session_id__in=sessions), pk=pk)
    return serve_upload(material.file, material.kind, material.name)


@login_required
def hours(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    minimum = get_policy().training.min_hours_per_year
    spec = replace(
        HOURS_LIST,
        title=_("培训学时统计（%(year)s年，要求 %(min)s 学时）")
        % {"year": year, "min": f"{minimum:g}"},
        queryset=lambda user: selectors.person_hours(user, year),
    )
    return render_list(request, spec)


HOURS_LIST = ListSpec(
    title=_lazy("培训学时统计"),
    queryset=lambda user: selectors.person_hours(user, timezone.localdate().year),
    columns=[
        Column("full_name", _lazy("姓名"), sort="full_name"),
        Column("username", _lazy("账号"), sort="username"),
        Column("sessions_attended", _lazy("参训次数"), sort="sessions_attended"),
        Column("year_hours", _lazy("年度学时"), sort="year_hours"),
        Column("shortfall", _lazy("尚差学时"), sort="shortfall"),
        Column("status_label", _lazy("是否达标"), sort="meets_minimum"),
    ],
    search_fields=["full_name", "username"],
    default_sort="full_name",
    filter_form=HoursFilterForm,
    export_name="training.hours",
)
