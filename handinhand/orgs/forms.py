from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from handinhand.accounts.models import User
from handinhand.core.forms import StyledFormMixin, VersionedForm, model_choice_field
from handinhand.core.listing import FilterForm
from handinhand.orgs.models import (
    PartyOrgForm,
    Recognition,
    Region,
    RegionLevel,
    School,
    SchoolType,
    University,
)
from handinhand.orgs.pickers import RegionPickField
from handinhand.orgs.services import editable_counties


class RegionChoiceField(forms.ModelChoiceField[Region]):
    def label_from_instance(self, obj: Region) -> str:
        return obj.full_name


class SchoolFilterForm(StyledFormMixin, FilterForm):
    # Pickers, not selects: nationally a select of every region is 3,411 options (issue 15).
    city = RegionPickField(label=_("设区市"), required=False, level=RegionLevel.CITY)
    county = RegionPickField(label=_("县（市、区）"), required=False, level=RegionLevel.COUNTY)
    school_type = forms.ChoiceField(
        label=_("学校类型"), required=False, choices=[("", _("全部")), *SchoolType.choices]
    )
    party_org_form = forms.ChoiceField(
        label=_("党组织形式"), required=False, choices=[("", _("全部")), *PartyOrgForm.choices]
    )
    districted = forms.ChoiceField(
        label=_("片区"),
        required=False,
        choices=[("", _("全部")), ("yes", _("已划入片区")), ("no", _("未划入片区"))],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        regions = Region.objects.visible_to(user)
        model_choice_field(self, "city").queryset = regions.filter(level=RegionLevel.CITY)
        model_choice_field(self, "county").queryset = regions.filter(
            level=RegionLevel.COUNTY
        ).select_related("parent")
        self.fields["q"].widget.attrs["placeholder"] = _("学校名称、信用代码、书记")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        if data.get("city"):
            qs = qs.filter(county__parent=data["city"])
        if data.get("county"):
            qs = qs.filter(county=data["county"])
        if data.get("school_type"):
            qs = qs.filter(school_type=data["school_type"])
        if data.get("party_org_form"):
            qs = qs.filter(party_org_form=data["party_org_form"])
        if data.get("districted") == "yes":
            qs = qs.filter(district_links__isnull=False).distinct()
        elif data.get("districted") == "no":
            qs = qs.filter(district_links__isnull=True)
        return qs


class SchoolForm(VersionedForm):
    county = RegionPickField(
        label=_("所属县（市、区）"), level=RegionLevel.COUNTY, which="editable"
    )

    class Meta:
        model = School
        fields = [
            "name",
            "credit_code",
            "county",
            "school_type",
            "party_org_form",
            "secretary",
            "principal",
            "contact_phone",
            "student_count",
            "teacher_count",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only where the user may write: a county they merely see would fail on save.
        model_choice_field(self, "county").queryset = editable_counties(user)


class UniversityFilterForm(StyledFormMixin, FilterForm):
    pass


class UniversityForm(VersionedForm):
    city = RegionChoiceField(
        label=_("所在城市"), queryset=Region.objects.filter(level=RegionLevel.CITY)
    )

    class Meta:
        model = University
        fields = ["name", "short_name", "code", "city", "party_secretary", "contact", "phone"]


class RegionFilterForm(StyledFormMixin, FilterForm):
    level = forms.ChoiceField(
        label=_("级别"), required=False, choices=[("", _("全部")), *RegionLevel.choices]
    )

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if self.cleaned_data.get("level"):
            qs = qs.filter(level=self.cleaned_data["level"])
        return qs


class RecognitionForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=Recognition.choices)
    unit_name = forms.CharField(label=_("单位名称"), max_length=100)
    year = forms.IntegerField(label=_("认定年度"), min_value=2000, max_value=2100)
