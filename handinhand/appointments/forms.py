from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.appointments import access
from handinhand.appointments.models import Nomination, NominationSet, SetKind
from handinhand.core.forms import StyledFormMixin
from handinhand.core.listing import FilterForm
from handinhand.orgs.models import Unit
from handinhand.programme.models import GuidanceGroup, MemberRole, Membership


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _check_term(form: forms.Form, cleaned: dict[str, Any]) -> None:
    start, end = cleaned.get("term_start"), cleaned.get("term_end")
    if start and end and end <= start:
        form.add_error("term_end", _("任期结束日期必须晚于开始日期"))


class SetForm(StyledFormMixin, forms.Form):
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("推荐单位"))
    kind = forms.ChoiceField(label=_("类别"), choices=SetKind.choices)
    term_start = forms.DateField(
        label=_("任期开始"), widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(label=_("任期结束"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("推荐说明"), required=False, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args: Any, user: User, group: GuidanceGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = access.nominating_units(user, group)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_term(self, cleaned)
        return cleaned


class TermForm(StyledFormMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    term_start = forms.DateField(
        label=_("任期开始"), widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(label=_("任期结束"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("推荐说明"), required=False, widget=forms.Textarea({"rows": 3}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_term(self, cleaned)
        return cleaned


class NominationForm(StyledFormMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Every account validates here; the service refuses anyone outside the nominating unit with
    # a clear message (a narrowed queryset would only say "请选择有效选项").
    user = forms.ModelChoiceField(User.objects.filter(is_active=True), label=_("被推荐人"))
    role = forms.ChoiceField(label=_("组内职务"), choices=MemberRole.choices)
    department = forms.CharField(label=_("所在单位/部门"), max_length=100)
    title = forms.CharField(label=_("职称/职务"), max_length=50)
    party_experience = forms.CharField(label=_("党务工作经历"), widget=forms.Textarea({"rows": 4}))
    replaces = forms.ModelChoiceField(
        Membership.objects.none(), label=_("接替/续聘的原任职"), required=False
    )
    attachments = MultipleFileField(label=_("附件（任职材料、审批表等）"))

    def __init__(
        self, *args: Any, nomination_set: NominationSet, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(unit=nomination_set.unit, is_active=True).order_by("full_name")
        self.fields["user"].widget.choices = [("", "---------")] + [
            (u.pk, f"{u.full_name or u.username}（{u.title or u.username}）") for u in people
        ]
        self.fields["replaces"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(group=nomination_set.group, is_active=True)
            .select_related("user")
            .order_by("role")
        )
        if editing:
            del self.fields["user"]
        if nomination_set.kind == SetKind.INITIAL:
            del self.fields["replaces"]


class ConfirmForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_below_quota = forms.BooleanField(label=_("确认人数不足仍继续"), required=False)


class ReturnForm(StyledFormMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("退回原因"),
        widget=forms.Textarea({"rows": 2}),
        error_messages={"required": _("退回须填写原因")},
    )


class SetFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("pending", _("有待审批")), ("returned", _("有退回"))]
        + [(v, label) for v, label in NominationSet._meta.get_field("status").choices or []],
    )

    def filter(self, qs: Any) -> Any:
        status = self.cleaned_data.get("status") if self.is_valid() else ""
        if status in ("pending", "returned"):
            having = Nomination.objects.filter(status=status).values("nomination_set_id")
            return qs.filter(pk__in=having)
        if status:
            return qs.filter(status=status)
        return qs


class ImportForm(forms.Form):
    file = forms.FileField(label=_("名册文件（.xlsx）"))
