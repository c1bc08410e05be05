"""Forms of notices. The audience pickers carry ids only: the choices are searched (htmx) in
the publisher's scope, never rendered as a select of thousands of schools; the service checks
every id against the scope."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from handinhand.core.forms import StyledFormMixin
from handinhand.core.listing import FilterForm
from handinhand.notices.models import AudienceLevel, AudienceRole


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class IdListField(forms.Field):
    """A list of ids from the picker (hidden checkboxes); no choices are rendered."""

    def __init__(self, *, as_int: bool = True, **kwargs: Any) -> None:
        self.as_int = as_int
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.MultipleHiddenInput)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[Any]:
        values = [v for v in (value or []) if str(v).strip()]
        if not self.as_int:
            if any(not str(v).isdigit() or len(str(v)) != 6 for v in values):
                raise ValidationError(_("无效的地区"))
            return [str(v) for v in values]
        try:
            return [int(v) for v in values]
        except (TypeError, ValueError):
            raise ValidationError(_("无效的选择")) from None


class NoticeForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}))
    deadline = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("需要回复或办理的，填写截止日期"),
    )
    pinned = forms.BooleanField(label=_("置顶"), required=False)
    attachments = MultipleFileField(
        label=_("附件"), required=False, help_text=_("可选多个文件，按文件内容检查类型与大小")
    )


class PublishForm(NoticeForm):
    levels = forms.MultipleChoiceField(
        label=_("按层级（指导组成员）"),
        choices=AudienceLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    roles = forms.MultipleChoiceField(
        label=_("按角色"),
        choices=AudienceRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = IdListField(label=_("按地区"), as_int=False)
    groups = IdListField(label=_("按指导组"))
    schools = IdListField(label=_("按学校"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("levels", "roles"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class EditForm(NoticeForm):
    reason = forms.CharField(label=_("修改说明"), max_length=200, required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class ReceiptFilterForm(FilterForm):
    """Who has not read, by region: the choices are the regions the notice reached (the view
    makes a subclass holding them, since the list machinery builds the form itself)."""

    region_choices: list[tuple[str, str]] = []
    region = forms.ChoiceField(label=_("地区"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = cast(forms.ChoiceField, self.fields["region"])
        region.choices = [("", _("全部")), *self.region_choices]
        region.widget.attrs.setdefault("class", "form-select form-select-sm")
        self.fields["q"].widget.attrs.setdefault("class", "form-control form-control-sm")

    def filter(self, qs: Any) -> Any:
        code = self.cleaned_data.get("region")
        if code:
            return qs.filter(region__path__contains=f"{code}/")
        return qs
