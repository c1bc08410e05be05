"""Gaps an outside mutation run found (issue 9): each test fails if the code is changed that
way — a stopped group still granting scope, a county bureau's instructor editing the paired
city, a roster import half-written after a late conflict, a credit code kept in lower case,
an audit event with an action nobody defined."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from handinhand.conftest import Cast
from handinhand.core import audit
from handinhand.core.models import AuditEvent
from handinhand.core.scope import get_scope, reset_scope
from handinhand.orgs import imports
from handinhand.orgs.credit_code import make_credit_code
from handinhand.orgs.models import School
from handinhand.orgs.tests.test_imports import run, school_row
from handinhand.programme.models import MemberRole, Membership
from handinhand.programme.scope import compute_scope

pytestmark = pytest.mark.django_db


def sees(scope: Any, region_path: str) -> bool:
    return scope.everything or any(region_path.startswith(p) for p in scope.region_paths)


# --- a stopped group ---------------------------------------------------------------------------


def test_a_member_of_a_stopped_group_loses_its_scope(cast: Cast, client_for: Any) -> None:
    """The instructor of the 南昌大学 group sees 萍乡市's schools only through the group."""
    before = compute_scope(cast.instructor)
    assert sees(before, cast.school_anyuan.county.path)
    assert "instructor" in before.roles and before.group_ids
    group = cast.groups["ncu"]
    group.is_active = False
    group.save(update_fields=["is_active"])
    after = compute_scope(cast.instructor)
    assert not sees(after, cast.school_anyuan.county.path)
    assert not sees(after, cast.school.county.path)
    assert cast.school.pk not in after.school_ids  # not even the district's schools
    assert "instructor" not in after.roles and not after.group_ids
    page = client_for(cast.instructor).get(reverse("orgs:school_detail", args=[cast.school.pk]))
    assert page.status_code == 404


# --- a county bureau's user who is an instructor too ---------------------------------------------


def test_a_county_bureau_instructor_edits_only_the_bureau_region(
    cast: Cast, client_for: Any
) -> None:
    """湘东区's bureau user joins the 南昌大学 group, which guides all of 萍乡市: seeing the city
    is the group's, editing it is not — only 湘东区, the bureau's own region, is editable."""
    Membership.objects.create(
        group=cast.groups["ncu"],
        user=cast.county_user,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(2024, 3, 1),
    )
    reset_scope(cast.county_user)
    scope = get_scope(cast.county_user)
    assert sees(scope, cast.school_anyuan.county.path)  # the paired city: seen
    assert scope.can_edit_region(cast.school.county.path)  # own county: edited
    assert not scope.can_edit_region(cast.school_anyuan.county.path)  # paired city: not
    city = cast.school_anyuan.county.parent
    assert city is not None and not scope.can_edit_region(city.path)
    client = client_for(cast.county_user)
    own = client.get(reverse("orgs:school_edit", args=[cast.school.pk]))
    assert own.status_code == 200
    paired = client.get(reverse("orgs:school_edit", args=[cast.school_anyuan.pk]))
    assert paired.status_code == 404
    # The roster import refuses the paired city's counties for the same reason.
    result = run(cast.county_user, [school_row(1, **{"所属县（市、区）": "安源区"})])
    assert not result.ok
    assert "无权导入" in result.errors[0].message


# --- the roster import: a conflict after the inserts ------------------------------------------


def test_a_conflict_after_new_schools_were_inserted_writes_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file adds one school and changes one; the change conflicts (someone saved the
    school meanwhile) after the new one was inserted: the insert is rolled back too."""
    existing = cast.school
    new_code = make_credit_code("12", "360313", 790_001)
    rows = [
        school_row(
            1,
            学校名称=existing.name + "（新名）",
            统一社会信用代码=existing.credit_code,
            学校类型=existing.get_school_type_display(),
            党组织形式=existing.get_party_org_form_display(),
        ),
        school_row(2, 统一社会信用代码=new_code),
    ]
    inserted: list[int] = []
    original = imports._update_changed

    def saved_meanwhile(schools: list[School], field_names: set[str]) -> None:
        inserted.extend(School.objects.filter(credit_code=new_code).values_list("pk", flat=True))
        School.objects.filter(pk=existing.pk).update(version=existing.version + 5)
        original(schools, field_names)

    monkeypatch.setattr(imports, "_update_changed", saved_meanwhile)
    schools, events = School.objects.count(), AuditEvent.objects.count()
    result = run(cast.county_user, rows)
    assert inserted, "the new school was inserted before the conflict"
    assert not result.ok
    assert "没有写入任何数据" in result.errors[0].message
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert not School.objects.filter(credit_code=new_code).exists()
    assert School.objects.count() == schools
    assert AuditEvent.objects.count() == events
    assert School.objects.get(pk=existing.pk).name == existing.name


# --- credit codes in upper case -----------------------------------------------------------------


def test_a_lower_case_credit_code_is_stored_upper_case(cast: Cast) -> None:
    code = make_credit_code("12", "360313", 790_002)
    assert code != code.lower()
    result = run(cast.county_user, [school_row(3, 统一社会信用代码=code.lower())])
    assert result.ok, result.errors
    assert School.objects.filter(credit_code=code).exists()
    assert not School.objects.filter(credit_code=code.lower()).exists()


def test_a_lower_case_credit_code_is_the_same_school_on_reimport(cast: Cast) -> None:
    code = make_credit_code("12", "360313", 790_003)
    assert run(cast.county_user, [school_row(4, 统一社会信用代码=code)]).created == 1
    again = run(cast.county_user, [school_row(4, 统一社会信用代码=code.lower())])
    assert (again.created, again.unchanged) == (0, 1)


# --- audit actions ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["delete_everything", "", "CREATE", "create "])
def test_an_unknown_audit_action_is_refused(cast: Cast, action: str) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(actor=cast.province_admin, action=action, instance=cast.school)
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record_many(actor=cast.province_admin, action=action, items=[(cast.school, {})])
    assert AuditEvent.objects.count() == before


def test_a_known_audit_action_is_recorded(cast: Cast) -> None:
    event = audit.record(actor=cast.province_admin, action="update", instance=cast.school)
    assert event.action == "update" and event.object_id == str(cast.school.pk)


def test_the_audit_keeps_no_secrets_ids_or_bookkeeping(cast: Cast) -> None:
    """A mutant that audited the password hash, or noise such as the version, survived."""
    user_fields = set(audit.snapshot(cast.county_user))
    assert not user_fields & {"id", "password", "last_login"}
    assert "username" in user_fields
    school_fields = set(audit.snapshot(cast.school))
    assert not school_fields & {"id", "created_at", "updated_at", "version"}
    assert {"name", "credit_code", "county"} <= school_fields
