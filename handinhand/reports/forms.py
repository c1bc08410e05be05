from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin, VersionedForm
from handinhand.core.listing import FilterForm
from handinhand.programme.models import GroupLevel
from handinhand.reports.access import department_q
from handinhand.reports.models import AnnualReport, ReportStatus
from handinhand.training.forms import year_choices


class ReportFilterForm(StyledFormMixin, FilterForm):
    year = forms.ChoiceField(label=_("报告年度"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *ReportStatus.choices]
    )
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部")), *GroupLevel.choices]
    )
    mine = forms.BooleanField(label=_("待我签收"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.user: User = user
        self.fields["year"].choices = [("", _("全部")), *year_choices()]  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("指导组名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("year"):
            qs = qs.filter(year=int(data["year"]))
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("level"):
            qs = qs.filter(group__level=data["level"])
        if data.get("mine"):
            qs = qs.filter(status=ReportStatus.SUBMITTED).filter(department_q(self.user))
        return qs


class ReportForm(VersionedForm):
    class Meta:
        model = AnnualReport
        fields = ["work_summary", "leader_duty", "problems", "plans"]
        widgets = {name: forms.Textarea(attrs={"rows": 6}) for name in fields}


class ReturnForm(StyledFormMixin, forms.Form):
    return_reason = forms.CharField(
        label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class GenerateForm(StyledFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=_("报告年度"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year - 1
