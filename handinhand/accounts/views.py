"""Login, one's own password, and the account pages of the separated administrators (三员分立).

The system administrator manages accounts (create, edit, reset password, unlock); the security
administrator grants and revokes roles; both see the user list and a user's page, each with
only their own buttons. Everyone else gets 404 here, as for anything out of their scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

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
from handinhand.accounts.models import RoleAssignment, User
from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.listing import Column, ListSpec, render_list
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
        return f"{label}（{assignment.region.full_name}）"
    if assignment.school is not None:
        return f"{label}（{assignment.school.name}）"
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
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


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

    return form_page(
        request,
        form=form,
        save=save,
        title=_("重置密码：%(name)s") % {"name": person.username},
        success_message=_("密码已重置，请将新密码告知本人"),
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
