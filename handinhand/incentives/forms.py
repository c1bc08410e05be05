from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin
from handinhand.core.listing import FilterForm
from handinhand.core.policy import get_policy
from handinhand.core.policy_text import policy_text
from handinhand.incentives.models import AssessmentStatus, PriorityStatus


def _year_text(y: int) -> str:
    return gettext("%(year)s年") % {"year": y}


# Lazy: choices built when the module loads read in the language of each request.
_year = lazy(_year_text, str)


def _grades(blank: bool = False) -> list[tuple[str, str]]:
    grades = [(g, policy_text(g)) for g in get_policy().assessment.grades]
    return [("", gettext("全部")), *grades] if blank else grades


def _years() -> list[tuple[str, str]]:
    this = timezone.localdate().year
    return [(str(y), _year(y)) for y in range(this, this - 6, -1)]


class AssessmentFilterForm(StyledFormMixin, FilterForm):
    year = forms.ChoiceField(label=_("考核年度"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *AssessmentStatus.choices]
    )
    grade = forms.ChoiceField(label=_("等次"), required=False)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["year"].choices = [("", _("全部")), *_years()]  # type: ignore[attr-defined]
        self.fields["grade"].choices = _grades(blank=True)  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、指导组或单位")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("year"):
            qs = qs.filter(year__year=int(data["year"]))
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("grade"):
            qs = qs.filter(grade=data["grade"])
        return qs


class PriorityFilterForm(StyledFormMixin, FilterForm):
    status = forms.ChoiceField(
        label=_("落实情况"), required=False, choices=[("", _("全部")), *PriorityStatus.choices]
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或单位")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if self.cleaned_data.get("status"):
            qs = qs.filter(status=self.cleaned_data["status"])
        return qs


class OpenYearForm(StyledFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=_("考核年度"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _years()  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year - 1


class SummaryForm(StyledFormMixin, forms.Form):
    self_summary = forms.CharField(
        label=_("个人述职"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("围绕本年度到校指导、问题整改、会议与培训等履职情况撰写。"),
    )
    submit = forms.BooleanField(label=_("提交给组长评定（提交后不能再修改）"), required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProposeForm(StyledFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("建议等次"))
    comment = forms.CharField(
        label=_("组长评语"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("建议“基本合格”“不合格”时须说明理由。"),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grades()  # type: ignore[attr-defined]


class ConfirmForm(StyledFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("确认等次"))
    reason = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("改变组长建议等次，或确认为“基本合格”“不合格”时须说明理由。"),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grades()  # type: ignore[attr-defined]


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CorrectForm(StyledFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("更正后等次"))
    reason = forms.CharField(
        label=_("更正原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grades()  # type: ignore[attr-defined]


class ObjectionForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )


class AnswerForm(StyledFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )


class RecordForm(StyledFormMixin, forms.Form):
    applied = forms.TypedChoiceField(
        label=_("落实情况"),
        coerce=lambda v: v == "1",
        choices=[("1", _("已落实（同等条件下优先考虑）")), ("0", _("未落实"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=200,
        help_text=_("如“2026年职称评聘，同等条件优先”，或未落实的原因。"),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("通知书编号"), max_length=40)
    code = forms.CharField(label=_("验证码"), max_length=16)
