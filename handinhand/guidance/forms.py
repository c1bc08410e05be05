"""Forms of guidance work: list filters and the visit form that feeds the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin, VersionedForm, choice_field, model_choice_field
from handinhand.core.listing import FilterForm
from handinhand.core.policy import get_policy
from handinhand.core.policy_text import policy_text
from handinhand.core.scope import get_scope
from handinhand.guidance.models import (
    Brand,
    Finding,
    FindingStatus,
    ResourceKind,
    Severity,
    Visit,
    VisitSchool,
    VisitStatus,
    overdue_q,
)
from handinhand.guidance.services import FieldFinding, guided_schools
from handinhand.indicators.selectors import current_leaf_choices
from handinhand.orgs.models import School, University
from handinhand.programme.forms import DateInput
from handinhand.programme.models import District, GuidanceGroup, Membership


def _form_choices() -> list[tuple[str, str]]:
    return [(f, policy_text(f)) for f in get_policy().guidance.visit_forms]


class VisitFilterForm(StyledFormMixin, FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *VisitStatus.choices]
    )
    form = forms.ChoiceField(label=_("活动形式"), required=False)
    group = forms.ModelChoiceField(
        label=_("指导组"),
        required=False,
        queryset=GuidanceGroup.objects.none(),
        empty_label=_("全部"),
    )
    date_from = forms.DateField(label=_("日期自"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("日期至"), required=False, widget=DateInput)
    mine = forms.BooleanField(label=_("仅看我参加的"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.reader = user  # typed: the base form keeps any user
        form_field = choice_field(self, "form")
        form_field.choices = [("", _("全部")), *_form_choices()]
        model_choice_field(self, "group").queryset = GuidanceGroup.objects.visible_to(user)
        self.fields["q"].widget.attrs["placeholder"] = _("主题、学校名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        for name in ("status", "form", "group"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("date_from"):
            qs = qs.filter(date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(date__lte=data["date_to"])
        if data.get("mine"):
            qs = qs.filter(pk__in=Visit.objects.filter(instructors__user=self.reader).values("pk"))
        text = (data.get("q") or "").strip()
        if text:
            # Only the names of schools in scope are searched: matching a school the user
            # may not see would tell them that it was visited too (issue 9).
            named = VisitSchool.objects.filter(
                school__in=School.objects.visible_to(self.reader), school__name__icontains=text
            ).values("visit_id")
            qs = qs.filter(Q(title__icontains=text) | Q(pk__in=named))
        return qs


class InstructorChoiceField(forms.ModelMultipleChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user}（{obj.group.name}）"


class VisitForm(VersionedForm):
    """Create and edit a visit. Schools and instructors are offered from the user's own
    groups; the service checks them again against the visit's group."""

    group = forms.ModelChoiceField(label=_("指导组"), queryset=GuidanceGroup.objects.none())
    form = forms.ChoiceField(label=_("活动形式"))
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[(VisitStatus.HELD, _("已开展")), (VisitStatus.PLANNED, _("计划中"))],
        initial=VisitStatus.HELD,
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("指导学校"),
        queryset=School.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    instructors = InstructorChoiceField(
        label=_("参加指导员"), queryset=Membership.objects.none(), required=False
    )
    indicators_text = forms.CharField(
        label=_("涉及指标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一项，如“3.2.1 落实“第一议题”制度”"),
    )

    class Meta:
        model = Visit
        fields = ["date", "duration_hours", "form", "title", "content"]
        widgets = {"date": DateInput, "content": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_ids = get_scope(user).group_ids
        form_field = choice_field(self, "form")
        form_field.choices = _form_choices()
        schools = model_choice_field(self, "schools")
        schools.queryset = (
            guided_schools(group_ids).select_related("county").order_by("county_id", "name")
        )
        schools.label_from_instance = lambda s: f"{s.name}（{s.county.name}）"  # type: ignore[method-assign,assignment]
        model_choice_field(self, "instructors").queryset = (
            Membership.objects.current()
            .filter(group_id__in=group_ids)
            .select_related("user", "group")
            .order_by("group_id", "user_id")
        )
        groups = GuidanceGroup.objects.filter(pk__in=group_ids)
        model_choice_field(self, "group").queryset = groups
        if self.instance.pk:
            # A visit stays with the group that made it; its status moves by its own buttons.
            del self.fields["group"]
            del self.fields["status"]
            if not self.is_bound:
                self.initial["schools"] = [s.pk for s in self.instance.schools.all()]
                self.initial["instructors"] = [m.pk for m in self.instance.instructors.all()]
                self.initial["indicators_text"] = "\n".join(self.instance.indicators)
        else:
            if len(group_ids) == 1:
                self.initial["group"] = next(iter(group_ids))
            # Most visits are recorded the day they are held, by one of their instructors:
            # today, 已开展 (so that 提出问题 follows) and the person recording, pre-filled.
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("status", VisitStatus.HELD)
            self.initial.setdefault(
                "instructors",
                list(
                    Membership.objects.current()
                    .filter(user=user, group_id__in=group_ids)
                    .values_list("pk", flat=True)
                ),
            )
        self._use_framework_indicators()
        self.order_fields(
            [
                "group",
                "status",
                "date",
                "duration_hours",
                "form",
                "title",
                "schools",
                "instructors",
                "content",
                "indicators_text",
            ]
        )

    def _use_framework_indicators(self) -> None:
        """Once an indicator framework is published, a visit names the level-3 indicators it
        addressed from that framework; until then (and for older visits) a free list."""
        choices = current_leaf_choices()
        if not choices:
            return
        known = {value for value, _label in choices}
        older = [(v, v) for v in (self.instance.indicators or []) if v not in known]
        self.fields["indicators_text"] = forms.MultipleChoiceField(
            label=_("涉及指标"),
            required=False,
            choices=choices + older,
            widget=forms.SelectMultiple(attrs={"size": 8, "class": "form-select form-select-sm"}),
            help_text=_("按住 Ctrl 可多选；指标取自已发布的指标体系"),
        )
        if self.instance.pk and not self.is_bound:
            self.initial["indicators_text"] = list(self.instance.indicators)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {
            name: data[name]
            for name in ("date", "duration_hours", "form", "title", "content")
            if name in data
        }
        fields["schools"] = list(data["schools"])
        fields["instructors"] = list(data["instructors"])
        chosen = data.get("indicators_text") or ""
        lines = chosen if isinstance(chosen, list) else chosen.splitlines()
        fields["indicators"] = [line.strip() for line in lines if line.strip()]
        return fields


class AttachmentForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("照片或文件"))


class CoverageFilterForm(StyledFormMixin, FilterForm):
    standing = forms.ChoiceField(
        label=_("达标情况"),
        required=False,
        choices=[
            ("", _("全部")),
            ("below", _("今年未达最低次数")),
            ("met", _("今年已达标")),
            ("never", _("从未被指导")),
        ],
    )
    district = forms.ModelChoiceField(
        label=_("片区"), required=False, queryset=District.objects.none(), empty_label=_("全部")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        model_choice_field(self, "district").queryset = (
            District.objects.visible_to(user).select_related("group").order_by("group_id", "name")
        )
        self.fields["q"].widget.attrs["placeholder"] = _("学校、县区名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        minimum = get_policy().guidance.min_visits_per_school_per_year
        standing = self.cleaned_data.get("standing")
        if standing == "below":
            qs = qs.filter(visits_this_year__lt=minimum)
        elif standing == "met":
            qs = qs.filter(visits_this_year__gte=minimum)
        elif standing == "never":
            qs = qs.filter(ever_visited=False)
        if self.cleaned_data.get("district"):
            qs = qs.filter(district_links__district=self.cleaned_data["district"])
        return qs


# --- findings -----------------------------------------------------------------------------------


WAITING = "waiting"  # a status filter: the findings the school still has to answer


class FindingFilterForm(StyledFormMixin, FilterForm):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("全部")),
            *FindingStatus.choices,
            (WAITING, _("待学校整改（待整改、已退回）")),
        ],
    )
    severity = forms.ChoiceField(
        label=_("严重程度"), required=False, choices=[("", _("全部")), *Severity.choices]
    )
    overdue = forms.BooleanField(label=_("仅看逾期"), required=False)
    mine = forms.BooleanField(label=_("仅看我提出的"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.reader = user
        self.fields["q"].widget.attrs["placeholder"] = _("学校、问题、指标")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("status") == WAITING:
            qs = qs.filter(status__in=[FindingStatus.OPEN, FindingStatus.RETURNED])
        elif data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("severity"):
            qs = qs.filter(severity=data["severity"])
        if data.get("mine"):
            qs = qs.filter(raised_by__user=self.reader)
        if data.get("overdue"):
            qs = qs.filter(overdue_q(timezone.localdate()))
        return qs


class FindingForm(StyledFormMixin, forms.ModelForm[Finding]):
    class Meta:
        model = Finding
        fields = ["school", "problem", "indicator", "severity", "found_on", "deadline"]
        widgets = {
            "found_on": DateInput,
            "deadline": DateInput,
            "problem": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: User, visit: Visit | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        schools = model_choice_field(self, "school")
        if visit is not None:
            schools.queryset = visit.schools.all()
            visited = list(schools.queryset.values_list("pk", flat=True)[:2])
            if len(visited) == 1:  # a visit to one school: nothing to choose
                self.initial.setdefault("school", visited[0])
        else:
            schools.queryset = guided_schools(get_scope(user).group_ids).order_by("name")

        choices = current_leaf_choices()
        if choices:
            # Findings refer to the level-3 indicators of the framework in force.
            current = self.instance.indicator if self.instance.pk else ""
            extra = [(current, current)] if current and current not in dict(choices) else []
            self.fields["indicator"] = forms.ChoiceField(
                label=_("相关指标"),
                required=False,
                choices=[("", "—"), *choices, *extra],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
        else:
            self.fields["indicator"].help_text = _("如“3.2.1 三会一课”")

    def _post_clean(self) -> None:
        # The service validates the finding (deadline, scope) and reports onto this form.
        pass


class AnswerForm(StyledFormMixin, forms.Form):
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.FileField(label=_("佐证材料"), required=False)


class ReturnForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}))


class BrandForm(StyledFormMixin, forms.ModelForm[Brand]):
    class Meta:
        model = Brand
        fields = ["school", "name", "idea", "measures"]
        widgets = {
            "idea": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "school").queryset = schools
        ids = list(schools.values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            self.initial.setdefault("school", ids[0])

    def _post_clean(self) -> None:
        pass


class BrandFilterForm(StyledFormMixin, FilterForm):
    stage = forms.ChoiceField(label=_("所处阶段"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        stage = choice_field(self, "stage")
        stage.choices = [
            ("", _("全部")),
            *[(s, policy_text(s)) for s in get_policy().brands.stages],
        ]
        self.fields["q"].widget.attrs["placeholder"] = _("品牌、学校名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if self.cleaned_data.get("stage"):
            qs = qs.filter(stage=self.cleaned_data["stage"])
        return qs


class ResourceForm(StyledFormMixin, forms.Form):
    university = forms.ModelChoiceField(label=_("发布高校"), queryset=University.objects.none())
    kind = forms.ChoiceField(label=_("类别"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(
        label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    upload = forms.FileField(label=_("文件"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = get_scope(user).university_ids
        model_choice_field(self, "university").queryset = University.objects.filter(pk__in=ids)
        if len(ids) == 1:
            self.initial.setdefault("university", next(iter(ids)))


# --- a visit recorded in the field, on a phone ------------------------------------------------


FINDING_DAYS = 30  # the deadline offered for a finding raised on the spot


class FieldVisitForm(StyledFormMixin, forms.Form):
    """One visit to one school with its findings and photos, as the phone sends it (also
    without JavaScript). The findings come as parallel lists (finding_problem, _severity,
    _deadline); the photos as `photos`. The service checks scope and everything else again."""

    group = forms.ModelChoiceField(label=_("指导组"), queryset=GuidanceGroup.objects.none())
    school = forms.IntegerField(
        label=_("指导学校"), error_messages={"required": _("请选择学校")}, min_value=1
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[(VisitStatus.HELD, _("已开展")), (VisitStatus.PLANNED, _("计划中"))],
        initial=VisitStatus.HELD,
    )
    date = forms.DateField(label=_("活动日期"), widget=DateInput)
    form = forms.ChoiceField(label=_("活动形式"))
    duration_hours = forms.DecimalField(
        label=_("时长（小时）"), min_value=Decimal("0.5"), max_value=Decimal("24"), decimal_places=1
    )
    title = forms.CharField(
        label=_("活动主题"), required=False, max_length=100, help_text=_("不填则为“学校＋活动形式”")
    )
    instructors = InstructorChoiceField(
        label=_("参加指导员"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    content = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        group_ids = sorted(get_scope(user).group_ids)
        model_choice_field(self, "group").queryset = GuidanceGroup.objects.filter(
            pk__in=group_ids
        ).order_by("pk")
        form_field = choice_field(self, "form")
        form_field.choices = _form_choices()
        model_choice_field(self, "instructors").queryset = (
            Membership.objects.current()
            .filter(group_id__in=group_ids)
            .select_related("user", "group")
            .order_by("group_id", "user_id")
        )
        today = timezone.localdate()
        mine = Membership.objects.current().filter(user=user, group_id__in=group_ids)
        self.initial.update(
            {
                "group": group_ids[0] if group_ids else None,
                "date": today,
                "form": _form_choices()[0][0] if _form_choices() else "",
                "duration_hours": Decimal("2"),
                "instructors": list(mine.values_list("pk", flat=True)),
                "status": VisitStatus.HELD,
            }
        )
        self.finding_deadline = today + dt.timedelta(days=FINDING_DAYS)
        self.findings: list[FieldFinding] = []

    def school_object(self) -> School | None:
        """The school, if the user may see it at all; one they may not see is "not found"."""
        pk = self.cleaned_data.get("school")
        return School.objects.visible_to(self.user).filter(pk=pk).first() if pk else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.data is not None and hasattr(self.data, "getlist"):
            self.findings = self._findings(data.get("date"))
        group = data.get("group")
        if group is not None and data.get("instructors") is not None:
            strangers = [m for m in data["instructors"] if m.group_id != group.pk]
            if strangers:
                self.add_error("instructors", _("参加指导员须是所选指导组的成员"))
        return data

    def _findings(self, found_on: dt.date | None) -> list[FieldFinding]:
        post: Any = self.data  # a QueryDict: the findings are parallel lists
        problems = post.getlist("finding_problem")
        severities = post.getlist("finding_severity")
        deadlines = post.getlist("finding_deadline")
        known = dict(Severity.choices)
        found: list[FieldFinding] = []
        for number, problem in enumerate(problems, start=1):
            problem = problem.strip()
            if not problem:
                continue  # an empty block on the screen is no finding
            severity = severities[number - 1] if number <= len(severities) else Severity.MINOR
            raw = deadlines[number - 1] if number <= len(deadlines) else ""
            try:
                deadline = dt.date.fromisoformat(raw) if raw else self.finding_deadline
            except ValueError:
                self.add_error(None, _("第 %(n)d 个问题：整改期限不是有效日期") % {"n": number})
                continue
            if severity not in known:
                self.add_error(None, _("第 %(n)d 个问题：严重程度无效") % {"n": number})
                continue
            if found_on and deadline < found_on:
                self.add_error(None, _("第 %(n)d 个问题：整改期限不能早于活动日期") % {"n": number})
                continue
            found.append(FieldFinding(problem=problem[:2000], severity=severity, deadline=deadline))
        return found
