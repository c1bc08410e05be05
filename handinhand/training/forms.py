from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin, VersionedForm, model_choice_field
from handinhand.core.listing import FilterForm
from handinhand.core.scope import get_scope
from handinhand.programme.models import GuidanceGroup, Membership
from handinhand.training.models import TrainingSession


def _year_text(y: int) -> str:
    return gettext("%(year)s年") % {"year": y}


# Lazy: choices built when the module loads read in the language of each request.
_year = lazy(_year_text, str)


def year_choices() -> list[tuple[str, str]]:
    """This year and the five before, newest first (year filters of training and reports)."""
    this = timezone.localdate().year
    return [(str(y), _year(y)) for y in range(this, this - 6, -1)]


class SessionFilterForm(StyledFormMixin, FilterForm):
    year = forms.ChoiceField(label=_("年度"), required=False)
    group = forms.ModelChoiceField(
        label=_("指导组"),
        required=False,
        queryset=GuidanceGroup.objects.none(),
        empty_label=_("全部"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["year"].choices = [("", _("全部")), *year_choices()]  # type: ignore[attr-defined]
        model_choice_field(self, "group").queryset = GuidanceGroup.objects.visible_to(user)
        self.fields["q"].widget.attrs["placeholder"] = _("培训主题、地点、组织者")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("year"):
            qs = qs.filter(date__year=int(data["year"]))
        if data.get("group"):
            qs = qs.filter(group=data["group"])
        return qs


class HoursFilterForm(StyledFormMixin, FilterForm):
    year = forms.ChoiceField(label=_("年度"), required=False)
    status = forms.ChoiceField(
        label=_("达标情况"),
        required=False,
        choices=[("", _("全部")), ("met", _("已达标")), ("short", _("未达标"))],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、账号")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        status = self.cleaned_data.get("status")
        if status == "met":
            qs = qs.filter(meets_minimum=True)
        elif status == "short":
            qs = qs.filter(meets_minimum=False)
        return qs


class SessionForm(VersionedForm):
    class Meta:
        model = TrainingSession
        fields = ["topic", "date", "hours", "group", "location", "description"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = get_scope(user)
        groups = GuidanceGroup.objects.all()
        if not scope.everything:
            groups = groups.filter(pk__in=scope.led_group_ids)
            self.fields["group"].required = True
        model_choice_field(self, "group").queryset = groups
        self.fields["hours"].widget.attrs.update({"step": "0.5", "min": "0.5", "max": "24"})


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name or obj.username}（{obj.username}）"


class AttendanceForm(StyledFormMixin, forms.Form):
    user = UserChoiceField(label=_("参训人员"), queryset=User.objects.none())
    hours = forms.DecimalField(
        label=_("认定学时"),
        required=False,
        max_digits=4,
        decimal_places=1,
        help_text=_("留空则按本次培训学时认定"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.visible_to(user).current().values("user_id")
        model_choice_field(self, "user").queryset = User.objects.filter(pk__in=members).order_by(
            "full_name", "pk"
        )


class MaterialForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("培训资料"))
