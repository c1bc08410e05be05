from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from handinhand.core.forms import StyledFormMixin, VersionedForm, model_choice_field
from handinhand.core.listing import FilterForm
from handinhand.indicators.models import Framework, FrameworkStatus, Indicator


class FrameworkFilterForm(StyledFormMixin, FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *FrameworkStatus.choices]
    )

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if self.cleaned_data.get("status"):
            qs = qs.filter(status=self.cleaned_data["status"])
        return qs


class FrameworkForm(VersionedForm):
    class Meta:
        model = Framework
        fields = ["name", "edition", "total_score", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class FrameworkCopyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("体系名称"), max_length=100)
    edition = forms.CharField(label=_("新版本"), max_length=40, help_text=_("例如：2026版"))


class FrameworkImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("指标体系文件（.xlsx）"))


class IndicatorForm(VersionedForm):
    level = forms.TypedChoiceField(
        label=_("级别"),
        coerce=int,
        choices=[(1, _("一级指标")), (2, _("二级指标")), (3, _("三级指标"))],
    )

    class Meta:
        model = Indicator
        fields = ["code", "level", "parent", "title", "max_score", "guidance", "evidence", "order"]
        widgets = {
            "guidance": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = framework.indicators.filter(level__in=(1, 2)).order_by("order", "id")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        model_choice_field(self, "parent").queryset = parents
        self.fields["order"].required = False
