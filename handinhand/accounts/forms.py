"""Forms of the login page and of the three separated administrators' pages (三员分立)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.accounts import hooks, services
from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core.forms import StyledFormMixin, VersionedForm, model_choice_field
from handinhand.core.listing import FilterForm
from handinhand.core.request_context import request_ip
from handinhand.core.scope import get_scope
from handinhand.core.text import normalise_text
from handinhand.orgs.models import Region, RegionLevel, School, Unit, phone_validator

INSTRUCTOR = "instructor"

# SetPasswordForm is generic in django-stubs only; django_stubs_ext does not patch it.
if TYPE_CHECKING:
    _SetPasswordForm = auth_forms.SetPasswordForm[User]
else:
    _SetPasswordForm = auth_forms.SetPasswordForm


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form, refusing a locked account even when the password is right."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "locked": _("账号已锁定，请 %(minutes)s 分钟后再试或联系系统管理员"),
        "throttled": _("登录尝试过于频繁，请 %(minutes)s 分钟后再试"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control"
            field.widget.attrs["placeholder"] = field.label
            if name == "username":
                field.widget.attrs["autocomplete"] = "username"

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        ip = request_ip.get()
        if username and services.ip_throttled(ip):
            # An address that failed too often is refused before any check, for every name,
            # and counts against no account (the per-IP throttle of services).
            services.login_throttled(username=username, ip=ip)
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": settings.LOGIN_IP_THROTTLE_MINUTES},
            )
        if username and self._locked(username):
            # Checked before the password, so that a right password tells nothing; the
            # attempt is audited all the same.
            services.login_failed(username=username)
            raise self._locked_error()
        try:
            return super().clean()
        except ValidationError:
            # The attempt that has just locked the account says so at once.
            if username and self._locked(username):
                raise self._locked_error() from None
            raise

    @staticmethod
    def _locked(username: str) -> bool:
        user = User.objects.filter(username=username).only("locked_until").first()
        if user is None:
            return services.unknown_name_locked(username)
        return services.is_locked(user)

    def _locked_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["locked"], code="locked", params={"minutes": services.LOCK_MINUTES}
        )


class ChinesePasswordMixin:
    """Password fields checked by services.validate_new_password (all messages in Chinese)."""

    cleaned_data: dict[str, Any]

    def validate_password_for_user(
        self,
        user: User,
        password_field_name: str = "password2",  # noqa: S107 -- a field's name, not a password
        **kwargs: Any,
    ) -> None:
        password = self.cleaned_data.get(password_field_name)
        if password:
            try:
                services.validate_new_password(password, user)
            except ValidationError as error:
                self.add_error(password_field_name, error)  # type: ignore[attr-defined]


class PasswordChangeForm(ChinesePasswordMixin, StyledFormMixin, auth_forms.PasswordChangeForm):
    """The logged-in user's own password: the old one first, then the validators."""


class PasswordResetForm(ChinesePasswordMixin, StyledFormMixin, _SetPasswordForm):
    """The system administrator sets a new password for someone (no old password asked)."""


class UserCreateForm(ChinesePasswordMixin, StyledFormMixin, auth_forms.UserCreationForm[User]):
    """A new account with its initial password, checked by the password validators."""

    phone = forms.CharField(
        label=_("联系电话"), required=False, max_length=30, validators=[phone_validator]
    )

    class Meta:
        model = User
        fields = ["username", "full_name", "work_unit", "title", "phone", "email"]
        field_classes = {"username": auth_forms.UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("初始密码")
        self.fields["password2"].label = _("确认初始密码")
        self.fields["email"].label = _("电子邮箱")


class UserEditForm(VersionedForm):
    phone = forms.CharField(
        label=_("联系电话"), required=False, max_length=30, validators=[phone_validator]
    )

    class Meta:
        model = User
        fields = ["full_name", "unit", "work_unit", "title", "phone", "email", "is_active"]
        labels = {"email": _("电子邮箱"), "is_active": _("启用")}
        help_texts = {"is_active": _("停用后该账号不能登录，其数据与审计记录保留。")}


class UserFilterForm(StyledFormMixin, FilterForm):
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("yes", _("启用")), ("no", _("停用")), ("locked", _("已锁定"))],
    )
    role = forms.ChoiceField(
        label=_("角色"),
        required=False,
        choices=[("", _("全部")), *Role.choices, (INSTRUCTOR, _("党建指导组成员"))],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("用户名、姓名、单位、电话")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        active, role = self.cleaned_data.get("active"), self.cleaned_data.get("role")
        if active == "yes":
            qs = qs.filter(is_active=True)
        elif active == "no":
            qs = qs.filter(is_active=False)
        elif active == "locked":
            qs = qs.filter(locked_until__gt=timezone.now())
        if role == INSTRUCTOR:
            qs = qs.filter(pk__in=hooks.current_memberships.get()().values("user_id"))
        elif role:
            qs = qs.filter(
                pk__in=RoleAssignment.objects.active().filter(role=role).values("user_id")
            )
        return qs


def grantable_regions(actor: User) -> QuerySet[Region]:
    """Where a security administrator may anchor a region_staff grant: any city or county.

    Granting is not reading business data, so it does not go through Region.visible_to (which
    shows administrators nothing); it is open to the security administrator only.
    """
    if not get_scope(actor).can_manage_roles:
        return Region.objects.none()
    return (
        Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
        .select_related("parent")
        .order_by("code")
    )


def grantable_schools(actor: User) -> QuerySet[School]:
    if not get_scope(actor).can_manage_roles:
        return School.objects.none()
    return School.objects.select_related("county__parent")


def search_schools(actor: User, text: str, limit: int = 20) -> list[School]:
    text = normalise_text(text)
    if len(text) < 2:
        return []
    query = Q(name__icontains=text) | Q(credit_code__istartswith=text.upper())
    return list(grantable_schools(actor).filter(query).order_by("county_id", "name")[:limit])


class RegionChoiceField(forms.ModelChoiceField[Region]):
    def label_from_instance(self, obj: Region) -> str:
        return _("%(role)s（%(where)s）") % {"role": obj.full_name, "where": obj.code}


class RoleGrantForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region = RegionChoiceField(
        label=_("行政区划"),
        required=False,
        queryset=Region.objects.none(),
        empty_label=_("请选择"),
        help_text=_("仅市县教育部门用户需要选择"),
    )
    school_code = forms.CharField(
        label=_("学校统一社会信用代码"),
        required=False,
        max_length=30,
        help_text=_("仅学校用户需要填写；可在上方按名称搜索后点选"),
    )
    unit = forms.ModelChoiceField(
        label=_("单位"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("请选择"),
        help_text=_("仅单位联络人需要选择"),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        region = model_choice_field(self, "region")
        region.queryset = grantable_regions(actor)
        unit = model_choice_field(self, "unit")
        unit.queryset = Unit.objects.order_by("kind", "name")

    def clean_school_code(self) -> School | None:
        code = normalise_text(self.cleaned_data.get("school_code")).upper()
        if not code:
            return None
        school = grantable_schools(self.actor).filter(credit_code=code).first()
        if school is None:
            raise ValidationError(_("未找到该统一社会信用代码对应的学校"))
        return school

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role == Role.REGION_STAFF and not data.get("region") and "region" not in self.errors:
            self.add_error("region", _("市县教育部门用户须选择所属行政区划"))
        if (
            role == Role.SCHOOL_USER
            and not data.get("school_code")
            and "school_code" not in self.errors
        ):
            self.add_error("school_code", _("学校用户须填写所属学校"))
        if role == Role.UNIT_CONTACT and not data.get("unit") and "unit" not in self.errors:
            self.add_error("unit", _("单位联络人须选择所联络的单位"))
        # Anchors that do not belong to the chosen role are dropped rather than refused: the
        # form shows every field, whatever role is picked.
        if role != Role.REGION_STAFF:
            data["region"] = None
        if role != Role.SCHOOL_USER:
            data["school_code"] = None
        if role != Role.UNIT_CONTACT:
            data["unit"] = None
        return data
