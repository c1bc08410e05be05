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
from handinhand.funding.models import EntryKind


def _year_text(y: int) -> str:
    return gettext("%(year)s年") % {"year": y}


# Lazy: choices built when the module loads read in the language of each request.
_year = lazy(_year_text, str)


def _month_text(m: int) -> str:
    return gettext("%(m)s月") % {"m": m}


_month = lazy(_month_text, str)

DATE = forms.DateInput(attrs={"type": "date"})


def years() -> list[tuple[int, str]]:
    this = timezone.localdate().year
    return [(y, _year(y)) for y in range(this, this - 6, -1)]


def _categories(blank: bool = False) -> list[tuple[str, str]]:
    rows = [(c, policy_text(c)) for c in get_policy().funding.categories]
    return [("", str(_("全部"))), *rows] if blank else rows


class AmountField(forms.CharField):
    """Yuan as typed (the service decides what is a valid amount, once for every caller)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "placeholder": "0.00"})


class ApproveForm(StyledFormMixin, forms.Form):
    doc_number = forms.CharField(label=_("文号"), max_length=60)
    approved_on = forms.DateField(label=_("核定日期"), widget=DATE)
    expected_total = forms.DecimalField(widget=forms.HiddenInput, decimal_places=2)


class DisbursementForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label=_("下拨日期"), widget=DATE)
    amount = AmountField(label=_("金额（元）"))
    doc_number = forms.CharField(label=_("文号"), max_length=60)
    attachment = forms.FileField(label=_("附件（下拨文件）"), required=False)


class CorrectionForm(StyledFormMixin, forms.Form):
    amount = AmountField(label=_("更正金额（元，冲减填负数）"))
    date = forms.DateField(label=_("更正日期"), widget=DATE)
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class DisbursementCorrectionForm(CorrectionForm):
    doc_number = forms.CharField(label=_("文号"), max_length=60, required=False)


class ExpenseForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label=_("支出日期"), widget=DATE)
    category = forms.ChoiceField(label=_("支出类别"))
    amount = AmountField(label=_("金额（元）"))
    payee = forms.CharField(label=_("收款方"), max_length=100)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    visit_id = forms.IntegerField(label=_("关联指导活动编号"), required=False, min_value=1)
    meeting_id = forms.IntegerField(label=_("关联会议编号"), required=False, min_value=1)
    training_id = forms.IntegerField(label=_("关联培训编号"), required=False, min_value=1)
    receipt = forms.FileField(label=_("票据扫描件"), required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _categories()  # type: ignore[attr-defined]


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("支出明细（.xlsx）"))


class ExpenseFilterForm(StyledFormMixin, FilterForm):
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    month = forms.TypedChoiceField(
        label=_("月份"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部")), *((m, _month(m)) for m in range(1, 13))],
    )
    category = forms.ChoiceField(label=_("支出类别"), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *EntryKind.choices]
    )
    university = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["year"].choices = [("", _("全部")), *years()]  # type: ignore[attr-defined]
        self.fields["category"].choices = _categories(blank=True)  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("收款方或用途")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        for name in ("year", "month", "category", "kind"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("university"):
            qs = qs.filter(university_id=data["university"])
        return qs
