from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin
from handinhand.core.listing import FilterForm
from handinhand.core.policy import get_policy
from handinhand.core.policy_text import policy_text
from handinhand.programme.forms import find_member_candidate
from handinhand.research.models import AppStatus


class DateInput(forms.DateInput):
    input_type = "date"


class CallForm(StyledFormMixin, forms.Form):
    catalogue = forms.ChoiceField(label=_("申报目录"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("通知标题"), max_length=100)
    topic_guide = forms.CharField(
        label=_("选题指南"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    deadline = forms.DateField(label=_("申报截止日期"), widget=DateInput())
    places = forms.IntegerField(label=_("立项总数"))
    separate_quota = forms.IntegerField(
        label=_("单列计划名额"),
        required=False,
        help_text=_("党建指导组成员单列计划的名额，不超过立项总数；留空按政策默认值"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = get_policy().research
        self.fields["catalogue"].choices = [(c, policy_text(c)) for c in policy.catalogues]  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year
        self.fields["separate_quota"].initial = policy.quota_per_call


class ApplicationForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("课题名称"), max_length=100)
    direction = forms.CharField(label=_("研究方向"), max_length=100)
    plan = forms.CharField(
        label=_("研究方案"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    budget = forms.DecimalField(
        label=_("经费预算（元）"), min_value=0, max_digits=12, decimal_places=2
    )
    team = forms.CharField(
        label=_("课题组成员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一位成员的登录账号或手机号（不含申报人本人）"),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_team(self) -> list[User]:
        people: list[User] = []
        missing: list[str] = []
        for line in (self.cleaned_data.get("team") or "").splitlines():
            text = line.strip()
            if not text:
                continue
            user = find_member_candidate(text)
            if user is None:
                missing.append(text)
            else:
                people.append(user)
        if missing:
            raise forms.ValidationError(_("未找到以下账号：%(a)s") % {"a": "、".join(missing)})
        return people


class FileForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("文件"))


class RecommendForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("推荐意见"),
        choices=[("recommend", _("同意推荐")), ("return", _("退回修改"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("退回原因"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(StyledFormMixin, forms.Form):
    reviewer = forms.CharField(
        label=_("评审专家账号或手机号"),
        max_length=150,
        help_text=_("不能是申报人所在单位的人员，也不能是本次申报课题组的成员"),
    )

    def clean_reviewer(self) -> User:
        user = find_member_candidate(self.cleaned_data["reviewer"])
        if user is None:
            raise forms.ValidationError(_("未找到该账号，请核对账号或手机号"))
        return user


class ReviewForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("评审意见"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, rubric: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        for i, item in enumerate(rubric):
            # Bounds are the service's to enforce (one rule); the form only asks for a number.
            self.fields[f"item_{i}"] = forms.DecimalField(
                label=f"{item['name']}（0–{item['max_score']:g}）",
                max_digits=6,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "step": "0.5"}
                ),
            )
        self.order_fields([*(f"item_{i}" for i in range(len(rubric))), "comment"])

    def scores(self) -> dict[str, Any]:
        return {item["name"]: self.cleaned_data[f"item_{i}"] for i, item in enumerate(self.rubric)}


class OverrideForm(StyledFormMixin, forms.Form):
    approved = forms.TypedChoiceField(
        label=_("调整为"),
        choices=[("1", _("立项")), ("0", _("不立项"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("材料"))


class ApplicationFilterForm(StyledFormMixin, FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *AppStatus.choices]
    )
    call = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("课题名称或研究方向")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("call"):
            qs = qs.filter(call_id=data["call"])
        return qs
