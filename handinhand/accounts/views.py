"""Login, one's own password, and the account pages of the separated administrators (三员分立).

The system administrator manages accounts (create, edit, reset password, unlock); the security
administrator grants and revokes roles; both see the user list and a user's page, each with
only their own buttons. Everyone else gets 404 here, as for anything out of their scope.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import qrcode
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from handinhand.accounts import hooks, services
from handinhand.accounts.access import can_manage_roles, can_manage_users, can_see_users
from handinhand.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleGrantForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    search_schools,
)
from handinhand.accounts.middleware import MUST_CHANGE, otp_verified
from handinhand.accounts.models import PasswordResetRequest, RoleAssignment, User, UserSession
from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core import formats
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.forms import StyledFormMixin
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.redirects import safe_next
from handinhand.core.views_helpers import access, form_page, require

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
    extra_context={"max_failed": services.MAX_FAILED_LOGINS, "lock_minutes": services.LOCK_MINUTES},
)


@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    form = PasswordChangeForm(user, request.POST or None)

    def save(data: dict[str, Any]) -> User:
        services.password_set(actor=user, user=user, password=data["new_password1"])
        # Keep this session: the new password would otherwise log the user out at once.
        update_session_auth_hash(request, user)
        request.session.pop(MUST_CHANGE, None)
        return user

    return form_page(
        request,
        form=form,
        save=save,
        title=_("修改密码"),
        success_message=_("密码已修改"),
        template="accounts/password_form.html",
        back_url=reverse("dashboard:home"),
        redirect_to=lambda obj: reverse("dashboard:home"),
    )


# --- the separated administrators -------------------------------------------------------------


def _role_label(assignment: RoleAssignment) -> str:
    label = str(assignment.get_role_display())
    if assignment.region is not None:
        return _("%(role)s（%(where)s）") % {"role": label, "where": assignment.region.full_name}
    if assignment.school is not None:
        return _("%(role)s（%(where)s）") % {"role": label, "where": assignment.school.name}
    return label


class StatusColumn(Column):
    def value(self, obj: Any) -> Any:
        if services.is_locked(obj):
            return _("已锁定")
        return _("启用") if obj.is_active else _("停用")


class RolesColumn(Column):
    """The roles a person holds, from the prefetched active assignments (no query per row)."""

    def value(self, obj: Any) -> Any:
        labels = [_role_label(a) for a in obj.active_roles]
        if obj.is_instructor:
            labels.append(_("党建指导组成员"))
        return "；".join(labels) or "—"


class LocalTimeColumn(Column):
    def value(self, obj: Any) -> Any:
        value = super().value(obj)
        if not value:
            return ""
        return formats.daytime(value)


def users_for_list(user: User) -> QuerySet[User]:
    memberships = hooks.current_memberships.get()()
    return (
        User.objects.visible_to(user)
        .annotate(is_instructor=Exists(memberships.filter(user=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.active().select_related("region__parent", "school"),
                to_attr="active_roles",
            )
        )
    )


USER_LIST = ListSpec(
    title=_lazy("用户与角色"),
    queryset=users_for_list,
    columns=[
        Column("username", _lazy("用户名"), sort="username", link=True),
        Column("full_name", _lazy("姓名"), sort="full_name"),
        Column("work_unit", _lazy("工作单位"), sort="work_unit"),
        Column("title", _lazy("职务/职称"), export_only=True),
        Column("phone", _lazy("联系电话")),
        Column("email", _lazy("电子邮箱"), export_only=True),
        StatusColumn("is_active", _lazy("状态"), sort="is_active"),
        RolesColumn("roles", _lazy("角色")),
        LocalTimeColumn("last_login", _lazy("最近登录"), sort="last_login"),
    ],
    search_fields=["username", "full_name", "work_unit", "phone"],
    default_sort="username",
    filter_form=UserFilterForm,
    detail_url="accounts:user_detail",
    create_url="accounts:user_create",
    can_create=can_manage_users,
    export_name="accounts.user",
)


@login_required
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The security administrator reads the list too (read-only), to find whom to grant roles.
    require(can_see_users(request.user))
    return render_list(request, USER_LIST)


@login_required
def user_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_see_users(request.user))
    person = access(User.objects.visible_to(request.user), pk=pk)
    assignments = (
        RoleAssignment.objects.visible_to(request.user)
        .filter(user=person)
        .select_related("region__parent", "school__county__parent")
        .order_by("-is_active", "role", "pk")
    )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": person,
            "assignments": assignments,
            "is_instructor": hooks.current_memberships.get()().filter(user=person).exists(),
            "is_locked": services.is_locked(person),
            "is_self": person.pk == request.user.pk,
            "can_manage_users": can_manage_users(request.user),
            "can_manage_roles": can_manage_roles(request.user),
        },
    )


@login_required
def user_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_manage_users(request.user))
    form = UserCreateForm(request.POST or None)

    def save(data: dict[str, Any]) -> User:
        return services.user_create(
            actor=request.user,
            username=data["username"],
            full_name=data["full_name"],
            password=data["password1"],
            phone=data["phone"],
            work_unit=data["work_unit"],
            title=data["title"],
            email=data["email"],
        )

    return form_page(
        request,
        form=form,
        save=save,
        title=_("新增用户"),
        success_message=_("用户已新增"),
        back_url=reverse("accounts:user_list"),
        redirect_to=lambda obj: reverse("accounts:user_detail", args=[obj.pk]),
    )


@login_required
def user_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_manage_users(request.user))
    person = access(User.objects.visible_to(request.user), pk=pk)
    form = UserEditForm(request.POST or None, instance=person)

    return form_page(
        request,
        form=form,
        update=lambda data, version: services.user_update(
            actor=request.user, user=person, data=data, expected_version=version
        ),
        title=_("编辑用户：%(name)s") % {"name": person.username},
        success_message=_("用户信息已保存"),
        back_url=reverse("accounts:user_detail", args=[person.pk]),
        redirect_to=lambda obj: reverse("accounts:user_detail", args=[obj.pk]),
    )


@login_required
def user_password(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_manage_users(request.user))
    person = access(User.objects.visible_to(request.user), pk=pk)
    form = PasswordResetForm(person, request.POST or None)

    def save(data: dict[str, Any]) -> User:
        services.password_set(actor=request.user, user=person, password=data["new_password1"])
        return person

    if request.method == "POST" and services.holds_privileged_rights(person):
        # Two-person rule: the reset of a privileged account waits for the security admin.
        success = _("该账号拥有全省或管理员权限，重置申请已提交安全保密管理员审批")
    else:
        success = _("密码已重置，请将新密码告知本人（首次登录须修改密码）")
    return form_page(
        request,
        form=form,
        save=save,
        title=_("重置密码：%(name)s") % {"name": person.username},
        success_message=success,
        template="accounts/password_form.html",
        back_url=reverse("accounts:user_detail", args=[person.pk]),
        redirect_to=lambda obj: reverse("accounts:user_detail", args=[obj.pk]),
    )


@login_required
def user_unlock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_manage_users(request.user))
    person = access(User.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.user_unlock(actor=request.user, user=person)
    messages.success(request, _("账号已解锁"))
    return redirect("accounts:user_detail", pk=person.pk)


@login_required
def role_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_manage_roles(request.user))
    person = access(User.objects.visible_to(request.user), pk=pk)
    form = RoleGrantForm(request.POST or None, actor=request.user)

    def save(data: dict[str, Any]) -> RoleAssignment:
        return services.role_assign(
            actor=request.user,
            user=person,
            role=data["role"],
            region=data.get("region"),
            school=data.get("school_code"),
            unit=data.get("unit"),
        )

    return form_page(
        request,
        form=form,
        save=save,
        template="accounts/role_form.html",
        title=_("授予角色：%(name)s") % {"name": person},
        success_message=_("角色已授予"),
        back_url=reverse("accounts:user_detail", args=[person.pk]),
        redirect_to=lambda obj: reverse("accounts:user_detail", args=[person.pk]),
        extra={"person": person},
    )


@login_required
def role_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_manage_roles(request.user))
    assignment = access(
        RoleAssignment.objects.visible_to(request.user).select_related("user"), pk=pk
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已撤销角色：%(role)s") % {"role": _role_label(assignment)})
    return redirect("accounts:user_detail", pk=assignment.user_id)


@login_required
def school_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The school picker of the grant form: a search, never a select of 12,000 schools."""
    require(can_manage_roles(request.user))
    text = request.GET.get("school_q", "")
    return render(
        request,
        "accounts/role_form.html#school_results",
        {
            "schools": search_schools(request.user, text),
            "school_q": text,
        },
    )


# --- second factor: verification at login and enrolment --------------------------------------


class OTPTokenForm(StyledFormMixin, forms.Form):
    token = forms.CharField(
        label=_lazy("动态口令或恢复码"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, reverse("core:home"))


@login_required
def otp_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if otp_verified(request):
        return redirect(_next_url(request))
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:otp_setup")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.otp_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("动态口令错误或已使用过，请输入新的口令"))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/otp_verify.html", {"form": form}, status=status)


@login_required
def otp_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrolment: a QR code drawn on the server (no external service), then a first code."""
    user = request.user
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if enrolled and not otp_verified(request):
        # Replacing a device takes the current one first: a password alone is not enough.
        return redirect("accounts:otp_verify")
    device = services.otp_device_for_enrolment(user=user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.otp_enrol(actor=user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            return render(request, "accounts/otp_codes.html", {"codes": codes})
        form.add_error("token", _("动态口令不正确，请核对手机时间后重试"))
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            # The SVG is drawn here by qrcode from our own otpauth URL: no user text in it.
            "qr_svg": mark_safe(qr_svg(device.config_url)),  # noqa: S308
            "secret": base64.b32encode(device.bin_key).decode(),
            "enrolled": enrolled,
        },
        status=400 if request.method == "POST" else 200,
    )


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


# --- the security administrator: online sessions and reset approvals -------------------------


@login_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_manage_roles(request.user))
    now = timezone.now()
    online = (
        UserSession.objects.visible_to(request.user)
        .online()
        .filter(
            last_seen_at__gte=now - timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 60),
            started_at__gte=now - timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT),
        )
        .select_related("user")
        .order_by("-last_seen_at")[:500]
    )
    return render(
        request,
        "accounts/session_list.html",
        {"sessions": online, "current_key": request.session.session_key},
    )


@login_required
def session_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_manage_roles(request.user))
    item = access(UserSession.objects.visible_to(request.user).select_related("user"), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.session_end(actor=request.user, session=item)
    messages.success(request, _("已结束 %(name)s 的会话") % {"name": item.user})
    return redirect("accounts:session_list")


@login_required
def reset_request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_manage_roles(request.user) or can_manage_users(request.user))
    requests = (
        PasswordResetRequest.objects.visible_to(request.user)
        .select_related("user", "requested_by", "decided_by")
        .order_by("-created_at")[:200]
    )
    return render(
        request,
        "accounts/reset_request_list.html",
        {"requests": requests, "can_decide": can_manage_roles(request.user)},
    )


@login_required
def reset_request_decide(request: AuthenticatedHttpRequest, pk: int, decision: str) -> HttpResponse:
    require(can_manage_roles(request.user) and decision in ("approve", "refuse"))
    item = access(PasswordResetRequest.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    decide = (
        services.password_reset_approve if decision == "approve" else services.password_reset_refuse
    )
    try:
        decide(actor=request.user, request=item)
    except (ValidationError, PermissionDeniedError) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    else:
        messages.success(
            request, _("已批准密码重置") if decision == "approve" else _("已拒绝密码重置")
        )
    return redirect("accounts:reset_request_list")
