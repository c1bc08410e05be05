"""Forms of the programme's pages: list filters and the edit forms that feed the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import SEPARATED_ADMIN_ROLES, RoleAssignment, User
from handinhand.core.forms import (
    STALE_FORM,
    StyledFormMixin,
    VersionedForm,
    choice_field,
    model_choice_field,
)
from handinhand.core.listing import FilterForm
from handinhand.core.scope import get_scope
from handinhand.core.text import normalise_text
from handinhand.orgs.forms import RegionChoiceField
from handinhand.orgs.models import Region, RegionLevel, University
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    District,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
    SelectionOutcome,
)

YES_NO = [("", _("全部")), ("yes", _("是")), ("no", _("否"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _cities(user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).filter(level=RegionLevel.CITY)


# --- batches --------------------------------------------------------------------------------


class BatchFilterForm(StyledFormMixin, FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *BatchStatus.choices]
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("批次名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if self.cleaned_data.get("status"):
            qs = qs.filter(status=self.cleaned_data["status"])
        return qs


class BatchForm(VersionedForm):
    class Meta:
        model = Batch
        fields = ["number", "name", "start_year", "status", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class BatchPlanForm(VersionedForm):
    """The batch's plan: target cities, dates and status (R2, 分批推进)."""

    target_regions = forms.ModelMultipleChoiceField(
        label=_("目标设区市"),
        required=False,
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Batch
        fields = ["planned_start", "planned_end", "status", "description"]
        widgets = {
            "planned_start": DateInput(),
            "planned_end": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "target_regions")
        field.queryset = _cities(user).order_by("code")
        # Each city is its own checkbox (programme/batch_plan_form.html lays them out).
        field.widget.attrs.pop("class", None)
        if self.instance.pk and not self.is_bound:
            field.initial = list(self.instance.target_regions.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("计划结束日期不能早于计划开始日期"))
        return data


class SelectionOpenForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("遴选名称"), max_length=100)
    basis = forms.CharField(
        label=_("遴选依据"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：从全省党建工作示范校、标杆院系、样板支部中优选"),
    )


class SelectionDecisionForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("决定"), choices=SelectionOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("理由"),
        required=False,  # the service says what is missing, in one place for page and API
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- guidance groups ------------------------------------------------------------------------


class GroupFilterForm(StyledFormMixin, FilterForm):
    batch = forms.ModelChoiceField(
        label=_("批次"), required=False, queryset=Batch.objects.none(), empty_label=_("全部")
    )
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部")), *GroupLevel.choices]
    )
    city = RegionChoiceField(
        label=_("设区市"), required=False, queryset=Region.objects.none(), empty_label=_("全部")
    )
    lead_university = forms.ModelChoiceField(
        label=_("牵头高校"),
        required=False,
        queryset=University.objects.none(),
        empty_label=_("全部"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        model_choice_field(self, "batch").queryset = Batch.objects.visible_to(user)
        model_choice_field(self, "city").queryset = _cities(user)
        model_choice_field(self, "lead_university").queryset = University.objects.visible_to(user)
        self.fields["q"].widget.attrs["placeholder"] = _("指导组、高校、地区名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("batch"):
            qs = qs.filter(batch=data["batch"])
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        if data.get("city"):
            # A city's own groups and below, and the provincial groups paired with it.
            path = data["city"].path
            paired = Pairing.objects.filter(region__path__startswith=path).values("group_id")
            qs = qs.filter(Q(region__path__startswith=path) | Q(pk__in=paired))
        if data.get("lead_university"):
            qs = qs.filter(lead_university=data["lead_university"])
        return qs


class GroupForm(VersionedForm):
    region = RegionChoiceField(label=_("所属行政区划"), queryset=Region.objects.none())

    class Meta:
        model = GuidanceGroup
        fields = ["name", "level", "region", "lead_university", "batch", "is_active", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    STRUCTURAL = ("level", "region", "lead_university", "batch")

    def __init__(self, *args: Any, user: User, restructure: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not restructure:
            # A leader edits the name, status and note; the rest is the bureau's.
            for name in self.STRUCTURAL:
                del self.fields[name]
            return
        scope = get_scope(user)
        regions = Region.objects.select_related("parent").order_by("code")
        if scope.everything:
            model_choice_field(self, "region").queryset = regions
        else:
            within = Q(pk__in=[])
            for path in scope.staff_paths:
                within |= Q(path__startswith=path)
            model_choice_field(self, "region").queryset = regions.filter(within).exclude(
                level=RegionLevel.PROVINCE
            )
            level = choice_field(self, "level")
            level.choices = [
                ("", "---------"),
                *[(v, label) for v, label in GroupLevel.choices if v != GroupLevel.PROVINCE],
            ]
        model_choice_field(self, "lead_university").queryset = University.objects.visible_to(user)
        model_choice_field(self, "batch").queryset = Batch.objects.visible_to(user)


# --- memberships ----------------------------------------------------------------------------


def find_member_candidate(text: str) -> User | None:
    """The person to add, named by exact account or mobile number. A picker listing every
    account of the province would show names to people with no business seeing them; an exact
    account reveals no more than the person who gave it. The three separated administrators
    hold no other role (三员分立), so never a membership."""
    text = normalise_text(text)
    if not text:
        return None
    admins = RoleAssignment.objects.active().filter(role__in=SEPARATED_ADMIN_ROLES)
    matches = list(
        User.objects.filter(is_active=True)
        .filter(Q(username=text) | Q(phone=text))
        .exclude(pk__in=admins.values("user_id"))[:2]
    )
    return matches[0] if len(matches) == 1 else None


class MembershipForm(VersionedForm):
    user = forms.CharField(
        label=_("成员账号或手机号"),
        max_length=150,
        help_text=_("请输入该成员的登录账号或登记的手机号；尚无账号的，请先请系统管理员开户。"),
    )

    class Meta:
        model = Membership
        fields = ["user", "role", "subgroup", "term_start", "term_end", "is_active"]
        widgets = {"term_start": DateInput(), "term_end": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The person never changes: end the term and add a new membership instead.
            del self.fields["user"]
        else:
            del self.fields["is_active"]
            self.fields["term_start"].initial = timezone.localdate()

    def clean_user(self) -> User:
        user = find_member_candidate(self.cleaned_data["user"])
        if user is None:
            raise forms.ValidationError(_("未找到该账号，请核对账号或手机号"))
        return user


class MembershipEndForm(StyledFormMixin, forms.Form):
    term_end = forms.DateField(label=_("任期结束日期"), widget=DateInput())
    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_FORM}
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        if not self.is_bound:
            self.fields["term_end"].initial = max(
                timezone.localdate(), membership.term_start + dt.timedelta(days=1)
            )
            self.fields["expected_version"].initial = membership.version


class MembershipFilterForm(StyledFormMixin, FilterForm):
    group = forms.ModelChoiceField(
        label=_("指导组"),
        required=False,
        queryset=GuidanceGroup.objects.none(),
        empty_label=_("全部"),
    )
    role = forms.ChoiceField(
        label=_("组内职务"), required=False, choices=[("", _("全部")), *MemberRole.choices]
    )
    active = forms.ChoiceField(label=_("在任"), required=False, choices=YES_NO)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        model_choice_field(self, "group").queryset = GuidanceGroup.objects.visible_to(user)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或账号")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("group"):
            qs = qs.filter(group=data["group"])
        if data.get("role"):
            qs = qs.filter(role=data["role"])
        if data.get("active"):
            qs = qs.filter(is_active=data["active"] == "yes")
        return qs


# --- pairings -------------------------------------------------------------------------------


class PairingForm(StyledFormMixin, forms.Form):
    batch = forms.ModelChoiceField(label=_("批次"), queryset=Batch.objects.none())
    group = forms.ModelChoiceField(label=_("指导组"), queryset=GuidanceGroup.objects.none())
    region = RegionChoiceField(
        label=_("结对地区"), queryset=Region.objects.none(), help_text=_("设区市或县（市、区）")
    )
    since = forms.DateField(label=_("结对日期"), widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    handover_reason = forms.CharField(
        label=_("交接理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "该地区已在实施中的其他批次结对时必填：由原批次指导组交接至本批次指导组的决定及理由"
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "batch").queryset = Batch.objects.visible_to(user)
        model_choice_field(self, "group").queryset = (
            GuidanceGroup.objects.visible_to(user).filter(is_active=True).select_related("batch")
        )
        model_choice_field(self, "region").queryset = (
            Region.objects.visible_to(user)
            .exclude(level=RegionLevel.PROVINCE)
            .select_related("parent")
            .order_by("code")
        )
        if not self.is_bound:
            self.fields["since"].initial = timezone.localdate()


class PairingFilterForm(StyledFormMixin, FilterForm):
    batch = forms.ModelChoiceField(
        label=_("批次"), required=False, queryset=Batch.objects.none(), empty_label=_("全部")
    )
    city = RegionChoiceField(
        label=_("设区市"), required=False, queryset=Region.objects.none(), empty_label=_("全部")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        model_choice_field(self, "batch").queryset = Batch.objects.visible_to(user)
        model_choice_field(self, "city").queryset = _cities(user)
        self.fields["q"].widget.attrs["placeholder"] = _("指导组、高校、地区名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("batch"):
            qs = qs.filter(batch=data["batch"])
        if data.get("city"):
            qs = qs.filter(region__path__startswith=data["city"].path)
        return qs


# --- districts ------------------------------------------------------------------------------


class InstructorChoiceField(forms.ModelMultipleChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        subgroup = f" · {obj.subgroup}" if obj.subgroup else ""
        return f"{obj.user}（{obj.role}{subgroup}）"


class DistrictForm(VersionedForm):
    instructors = InstructorChoiceField(
        label=_("指导员"),
        required=False,
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("从本指导组在任成员中选择"),
    )

    class Meta:
        model = District
        fields = ["name", "note", "instructors"]

    def __init__(self, *args: Any, group: GuidanceGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "instructors").queryset = (
            Membership.objects.current()
            .filter(group=group)
            .select_related("user")
            .order_by("subgroup", "user__full_name")
        )
        # Each option is its own checkbox (programme/district_form.html lays them out).
        self.fields["instructors"].widget.attrs.pop("class", None)

    def changed_data_dict(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("name", "note")}


class DistrictFilterForm(StyledFormMixin, FilterForm):
    group = forms.ModelChoiceField(
        label=_("指导组"),
        required=False,
        queryset=GuidanceGroup.objects.none(),
        empty_label=_("全部"),
    )
    batch = forms.ModelChoiceField(
        label=_("批次"), required=False, queryset=Batch.objects.none(), empty_label=_("全部")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        model_choice_field(self, "group").queryset = GuidanceGroup.objects.visible_to(user)
        model_choice_field(self, "batch").queryset = Batch.objects.visible_to(user)
        self.fields["q"].widget.attrs["placeholder"] = _("片区名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("group"):
            qs = qs.filter(group=data["group"])
        if data.get("batch"):
            qs = qs.filter(batch=data["batch"])
        return qs
