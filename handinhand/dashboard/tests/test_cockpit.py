"""The cockpit (驾驶舱): figures equal direct counts of base rows, scope, queries, refresh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from handinhand.core.policy import Threshold, get_policy, parse_policy
from handinhand.dashboard.cockpit import alert_level, cockpit_refresh
from handinhand.dashboard.models import RegionFigures
from handinhand.guidance.models import Finding, FindingStatus, Visit, VisitSchool, VisitStatus
from handinhand.orgs.models import School

YEAR = 2026
TODAY = dt.date(2026, 6, 30)


def _visit(cast: Any, schools: list[School], day: dt.date) -> Visit:
    visit = Visit.objects.create(
        group=cast.groups["ncu"],
        date=day,
        duration_hours=Decimal("2"),
        form="实地指导",
        status=VisitStatus.HELD,
        title="指导",
        created_by=cast.instructor,
    )
    VisitSchool.objects.bulk_create([VisitSchool(visit=visit, school=s) for s in schools])
    return visit


def _finding(cast: Any, school: School, status: str, deadline: dt.date) -> Finding:
    return Finding.objects.create(
        school=school,
        group=cast.groups["ncu"],
        raised_by=cast.membership,
        problem="问题",
        found_on=dt.date(YEAR, 3, 1),
        deadline=deadline,
        status=status,
    )


@pytest.fixture
def records(cast: Any) -> Any:
    _visit(cast, [cast.school, cast.school_anyuan], dt.date(YEAR, 4, 1))
    _visit(cast, [cast.school], dt.date(YEAR, 5, 1))
    _visit(cast, [cast.school_anyuan], dt.date(YEAR - 1, 5, 1))  # last year: not counted
    _finding(cast, cast.school, FindingStatus.OPEN, dt.date(YEAR, 4, 1))  # overdue
    _finding(cast, cast.school, FindingStatus.CLOSED, dt.date(YEAR, 4, 1))
    _finding(cast, cast.school_anyuan, FindingStatus.OPEN, dt.date(YEAR, 9, 1))
    _finding(cast, cast.school_anyuan, FindingStatus.OPEN, dt.date(YEAR, 9, 1))
    _finding(cast, cast.school_xinyu, FindingStatus.ANSWERED, dt.date(YEAR, 5, 1))
    cockpit_refresh(year=YEAR, today=TODAY)
    return cast


def _data(code: str, figure_set: str) -> dict[str, Any]:
    return RegionFigures.objects.get(region_id=code, year=YEAR, figure_set=figure_set).data


def test_figures_equal_direct_counts_of_base_rows(records):
    for code, field in (("360000", None), ("360300", "county__parent_id"), ("360313", "county_id")):
        schools = School.objects.filter(**({field: code} if field else {}))
        findings = Finding.objects.filter(school__in=schools, found_on__year=YEAR)
        links = VisitSchool.objects.filter(
            school__in=schools, visit__status=VisitStatus.HELD, visit__date__year=YEAR
        )
        coverage, guidance = _data(code, "coverage"), _data(code, "guidance")
        assert coverage["schools"] == schools.count()
        assert guidance.get("visit_links", 0) == links.count()
        assert guidance.get("findings", 0) == findings.count()
        assert guidance.get("findings_closed", 0) == findings.filter(status="closed").count()
        overdue = findings.exclude(status="closed").filter(deadline__lt=TODAY).count()
        assert guidance.get("findings_overdue", 0) == overdue
    # The cast's numbers, by hand: 湘东区 has 3 visit links and 2 findings (1 overdue).
    assert _data("360313", "guidance")["visit_links"] == 2
    assert _data("360300", "guidance")["visit_links"] == 3
    assert _data("360313", "guidance")["findings_overdue"] == 1
    assert _data("360000", "guidance")["findings_overdue"] == 2
    # 湘东区's one guided school had two visits: the policy's minimum, so none is under it.
    assert get_policy().guidance.min_visits_per_school_per_year == 2
    assert _data("360313", "guidance")["under_min"] == 0


def test_refresh_is_idempotent(records):
    before = sorted(RegionFigures.objects.values_list("region_id", "figure_set", "data"), key=str)
    cockpit_refresh(year=YEAR, today=TODAY)
    cockpit_refresh(year=YEAR, today=TODAY)
    after = sorted(RegionFigures.objects.values_list("region_id", "figure_set", "data"), key=str)
    assert before == after


def _get(client_for: Any, user: Any, **params: Any) -> Any:
    return client_for(user).get(reverse("dashboard:cockpit"), {"year": YEAR, **params})


def test_county_cockpit_shows_nothing_of_another_county(records, client_for):
    response = _get(client_for, records.county_user)
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["cockpit"].region.code == "360313"
    assert response.context["f"].guidance["findings"] == 2
    assert "安源区" not in body and "萍乡市 ·" not in body
    assert not response.context["cockpit"].children
    for other in ("360302", "360300", "360000", "360100"):
        assert _get(client_for, records.county_user, region=other).status_code == 404


def test_city_and_province_drill_down_inside_scope_only(records, client_for):
    city = _get(client_for, records.city_user)
    assert city.context["cockpit"].region.code == "360300"
    names = {c.region.name for c in city.context["cockpit"].children}
    assert {"湘东区", "安源区"} <= names
    assert city.context["f"].guidance["findings"] == 4
    assert _get(client_for, records.city_user, region="360313").status_code == 200
    assert _get(client_for, records.city_user, region="360500").status_code == 404
    assert _get(client_for, records.outsider, region="360300").status_code == 404
    admin = _get(client_for, records.province_admin, region="360300")
    assert admin.status_code == 200 and admin.context["f"].guidance["findings"] == 4
    assert _get(client_for, records.province_admin, region="999999").status_code == 404
    screen = _get(client_for, records.province_admin, screen="1")
    assert screen.status_code == 200 and b"hh-screen" in screen.content


def test_cockpit_reads_a_fixed_number_of_queries(
    records, client_for, django_assert_max_num_queries
):
    client = client_for(records.province_admin)
    client.get(reverse("dashboard:cockpit"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dashboard:cockpit"), {"year": YEAR}).status_code == 200


def test_alert_levels_follow_the_policy_thresholds():
    t = Threshold(amber=0.6, green=0.9)
    assert [alert_level(r, t) for r in (0.95, 0.9, 0.7, 0.59, None)] == [
        "green",
        "green",
        "amber",
        "red",
        "none",
    ]


def test_policy_refuses_amber_above_green():
    from pathlib import Path

    from django.conf import settings

    text = Path(settings.POLICY_FILE).read_text(encoding="utf-8")
    bad = text.replace(
        "paired = { amber = 0.5, green = 0.9 }", "paired = { amber = 0.95, green = 0.9 }"
    )
    assert bad != text
    with pytest.raises(ImproperlyConfigured, match="amber"):
        parse_policy(bad)
