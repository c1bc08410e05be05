from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin, VersionedForm, model_choice_field
from handinhand.core.listing import FilterForm
from handinhand.indicators.models import (
    CycleScope,
    EvaluationCycle,
    EvaluationStatus,
    Framework,
    FrameworkStatus,
    Indicator,
)
from handinhand.orgs.models import Region
from handinhand.programme.models import Batch


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


class CycleForm(StyledFormMixin, forms.Form):
    framework = forms.ModelChoiceField(label=_("指标体系"), queryset=Framework.objects.none())
    name = forms.CharField(label=_("周期名称"), max_length=60, help_text=_("例如：2025年度"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    scope = forms.ChoiceField(label=_("范围"), choices=CycleScope.choices)
    batch = forms.ModelChoiceField(
        label=_("批次"), required=False, queryset=Batch.objects.none(), empty_label=_("（不限）")
    )
    region = forms.ModelChoiceField(
        label=_("地区"), required=False, queryset=Region.objects.none(), empty_label=_("（不限）")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "framework").queryset = Framework.objects.visible_to(
            user
        ).published()
        model_choice_field(self, "batch").queryset = Batch.objects.visible_to(user)
        model_choice_field(self, "region").queryset = Region.objects.visible_to(user).order_by(
            "path"
        )


class CycleFilterForm(StyledFormMixin, FilterForm):
    pass


class EvaluationFilterForm(StyledFormMixin, FilterForm):
    cycle = forms.ModelChoiceField(
        label=_("评估周期"),
        required=False,
        queryset=EvaluationCycle.objects.none(),
        empty_label=_("全部"),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *EvaluationStatus.choices]
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        model_choice_field(self, "cycle").queryset = EvaluationCycle.objects.visible_to(user)
        self.fields["q"].widget.attrs["placeholder"] = _("学校名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("cycle"):
            qs = qs.filter(cycle=data["cycle"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        return qs


class ScoreSheetForm(StyledFormMixin, forms.Form):
    """One row per level-3 indicator: a score and a text (the school's explanation, or the
    reviewer's comment), and for the school an evidence file (the view stores files before
    the scores are checked, so a refused submit keeps them). Ranges, steps and required
    explanations are the service's rules; this form only turns cells into numbers."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, leaves: list[Indicator], mode: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaves = leaves
        self.mode = mode
        for leaf in leaves:
            self.fields[f"score_{leaf.pk}"] = forms.DecimalField(
                label=_("得分"),
                required=False,
                max_digits=6,
                decimal_places=2,
                error_messages={
                    "invalid": _("请输入数字"),
                    "max_digits": _("数字过大"),
                    "max_decimal_places": _("最多两位小数"),
                },
                widget=forms.NumberInput(attrs={"step": "any", "style": "width: 6rem"}),
            )
            text_label = _("自评说明") if mode == "self" else _("审核意见")
            self.fields[self.text_name(leaf)] = forms.CharField(
                label=text_label,
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            if mode == "self":
                self.fields[f"evidence_{leaf.pk}"] = forms.FileField(
                    label=_("佐证材料"), required=False
                )

    def text_name(self, leaf: Indicator) -> str:
        return f"explanation_{leaf.pk}" if self.mode == "self" else f"comment_{leaf.pk}"

    def entries(self) -> dict[int, tuple[Any, str]]:
        data = self.cleaned_data
        return {
            leaf.pk: (data.get(f"score_{leaf.pk}"), data.get(self.text_name(leaf)) or "")
            for leaf in self.leaves
        }


class ReturnForm(StyledFormMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("原因"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
