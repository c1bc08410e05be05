"""Writes to organisations. Each function checks who may write, then goes through the shared
audited write path (core.services)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.scope import get_scope
from handinhand.core.services import create_object, require_province_admin, update_object
from handinhand.core.text import normalise_text
from handinhand.orgs.access import can_create_schools as can_create_schools
from handinhand.orgs.access import can_edit_school_in as can_edit_school_in
from handinhand.orgs.models import Region, RegionLevel, School, University, UniversityRecognition

SCHOOL_FIELDS = (
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
)


def editable_counties(actor: User) -> QuerySet[Region]:
    """The counties whose schools the actor may create or edit: the same list for the form, the
    roster template and the import."""
    scope = get_scope(actor)
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    if not scope.everything:
        counties = counties.filter(scope.staff_q("path"))
    return counties.select_related("parent").order_by("code")


def _require_school_region(actor: User, county: Any) -> None:
    if county is None or not can_edit_school_in(actor, county):
        raise PermissionDeniedError(_("您无权维护该地区的学校"))


def _normalised(fields: dict[str, Any]) -> dict[str, Any]:
    """The credit code as the register writes it, whatever the form, import or API sent."""
    if isinstance(fields.get("credit_code"), str):
        fields = {**fields, "credit_code": normalise_text(fields["credit_code"]).upper()}
    return fields


def school_create(*, actor: User, **fields: Any) -> School:
    _require_school_region(actor, fields.get("county"))
    fields = _normalised(fields)
    school = School(**{k: v for k, v in fields.items() if k in SCHOOL_FIELDS})
    return create_object(actor=actor, instance=school)


def school_update(
    *, actor: User, school: School, data: dict[str, Any], expected_version: int | None
) -> School:
    _require_school_region(actor, school.county)
    if "county" in data:
        _require_school_region(actor, data["county"])
    unknown = set(data) - set(SCHOOL_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    data = _normalised(data)
    return update_object(actor=actor, instance=school, data=data, expected_version=expected_version)


UNIVERSITY_FIELDS = ("name", "short_name", "code", "city", "party_secretary", "contact", "phone")


def university_create(*, actor: User, **fields: Any) -> University:
    require_province_admin(actor)
    return create_object(
        actor=actor,
        instance=University(**{k: v for k, v in fields.items() if k in UNIVERSITY_FIELDS}),
    )


def university_update(
    *, actor: User, university: University, data: dict[str, Any], expected_version: int | None
) -> University:
    require_province_admin(actor)
    unknown = set(data) - set(UNIVERSITY_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    return update_object(
        actor=actor, instance=university, data=data, expected_version=expected_version
    )


def recognition_create(
    *, actor: User, university: University, kind: str, unit_name: str, year: int
) -> UniversityRecognition:
    require_province_admin(actor)
    return create_object(
        actor=actor,
        instance=UniversityRecognition(
            university=university, kind=kind, unit_name=unit_name, year=year
        ),
    )
