"""Forms of the meeting pages: list filters and the forms that feed the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin, VersionedForm, model_choice_field
from handinhand.core.listing import FilterForm
from handinhand.core.policy import get_policy
from handinhand.meetings.models import ActionItem, Meeting, MeetingStatus, meeting_kinds
from handinhand.programme.access import is_province_admin
from handinhand.programme.forms import DateInput
from handinhand.programme.models import GroupLevel, GuidanceGroup, Membership


def _group_members(group: GuidanceGroup) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=Membership.objects.current().filter(group=group).values("user_id")
    ).order_by("full_name")


def _kinds_for(group: GuidanceGroup) -> list[tuple[str, str]]:
    allowed = {r.kind for r in get_policy().meetings if group.level in r.group_levels}
    return [(k, n) for k, n in meeting_kinds() if k in allowed or k == "group"]


class MeetingFilterForm(StyledFormMixin, FilterForm):
    kind = forms.ChoiceField(label=_("会议类型"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *MeetingStatus.choices]
    )
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].choices = [("", _("全部")), *meeting_kinds()]  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("会议名称、指导组、地点")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("year"):
            qs = qs.filter(date__year=data["year"])
        return qs


class TodoFilterForm(StyledFormMixin, FilterForm):
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("open", _("未完成")), ("done", _("已完成"))],
    )

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        state = self.cleaned_data.get("state")
        if state:
            qs = qs.filter(done=state == "done")
        return qs


class MeetingForm(VersionedForm):
    class Meta:
        model = Meeting
        fields = [
            "kind",
            "title",
            "date",
            "start_time",
            "place",
            "chair",
            "agenda",
            "minutes",
            "milestone",
        ]
        widgets = {
            "date": DateInput(),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }

    kind = forms.ChoiceField(label=_("会议类型"))

    def __init__(
        self, *args: Any, group: GuidanceGroup, user: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kinds_for(group)  # type: ignore[attr-defined]
        chair = model_choice_field(self, "chair")
        chair.queryset = _group_members(group)
        # Only the province marks a programme milestone; the others do not see the field.
        if user is None or not is_province_admin(user):
            del self.fields["milestone"]


class AttendeesForm(StyledFormMixin, forms.Form):
    # Any user id is accepted here; the service refuses those who are not members.
    users = forms.ModelMultipleChoiceField(label=_("参会人员"), queryset=User.objects.all())


class InviteForm(StyledFormMixin, forms.Form):
    """Whom to invite: whole groups, accounts, and guests written as one per line "姓名，单位".
    Any id is accepted here; the service refuses what lies outside the organiser's scope."""

    groups = forms.ModelMultipleChoiceField(
        label=_("邀请指导组（全体在任成员）"), queryset=GuidanceGroup.objects.all(), required=False
    )
    users = forms.ModelMultipleChoiceField(
        label=_("邀请人员（指导组成员、教育部门人员）"), queryset=User.objects.all(), required=False
    )
    guests = forms.CharField(
        label=_("特邀嘉宾（每行一位：姓名，单位）"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例：张三，萍乡市教育局")}),
    )

    def clean_guests(self) -> list[tuple[str, str]]:
        guests = []
        for line in (self.cleaned_data.get("guests") or "").splitlines():
            if not line.strip():
                continue
            name, _sep, unit = line.replace(",", "，").replace("\t", "，").partition("，")
            guests.append((name.strip(), unit.strip()))
        return guests

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("groups") and not data.get("users") and not data.get("guests"):
            raise forms.ValidationError(_("请选择要邀请的指导组、人员，或填写特邀嘉宾"))
        return data


class MeetingFileForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("会议材料"))


class ActionItemForm(VersionedForm):
    class Meta:
        model = ActionItem
        fields = ["text", "owner", "due"]
        widgets = {"due": DateInput()}

    def __init__(self, *args: Any, group: GuidanceGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = model_choice_field(self, "owner")
        owner.queryset = _group_members(group)


class ComplianceFilterForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部")), *GroupLevel.choices]
    )
    missed = forms.BooleanField(label=_("仅看未完成的指导组"), required=False)
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "year": data.get("year") or timezone.localdate().year,
            "level": data.get("level") or "",
            "missed_only": bool(data.get("missed")),
            "text": (data.get("q") or "").strip(),
        }


def today() -> dt.date:
    return timezone.localdate()
