"""Coverage of visits: per school against the policy minimum; never-visited schools per district."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from handinhand.guidance import selectors
from handinhand.guidance.models import VisitStatus
from handinhand.guidance.tests.conftest import plan_visit
from handinhand.programme.models import DistrictSchool

TODAY = timezone.localdate()
LAST_YEAR = TODAY.replace(year=TODAY.year - 1, day=1)


def test_school_counts_this_years_held_visits_only(cast):
    plan_visit(cast, schools=[cast.school, cast.school_anyuan])
    plan_visit(cast, schools=[cast.school])
    plan_visit(cast, schools=[cast.school_anyuan], date=LAST_YEAR)
    plan_visit(cast, schools=[cast.school], status=VisitStatus.PLANNED, date=TODAY)
    rows: dict[int, Any] = {s.pk: s for s in selectors.coverage_schools(cast.city_user, TODAY.year)}
    assert rows[cast.school.pk].visits_this_year == 2
    assert rows[cast.school_anyuan.pk].visits_this_year == 1
    assert rows[cast.school_anyuan.pk].ever_visited
    assert set(rows) == {cast.school.pk, cast.school_anyuan.pk}  # the city's schools only


def test_districts_count_never_visited_and_below_minimum(cast):
    DistrictSchool.objects.create(
        district=cast.district, school=cast.school_anyuan, batch=cast.batch
    )
    plan_visit(cast, schools=[cast.school])
    plan_visit(cast, schools=[cast.school])
    [district] = selectors.coverage_districts(cast.instructor, TODAY.year)
    assert (district.school_count, district.never_visited, district.below_minimum) == (2, 1, 1)
    plan_visit(cast, schools=[cast.school_anyuan], date=LAST_YEAR)
    [district] = selectors.coverage_districts(cast.instructor, TODAY.year)
    assert (district.never_visited, district.below_minimum) == (0, 1)


def test_coverage_page_filters_and_exports(cast, client_for, django_assert_max_num_queries):
    plan_visit(cast, schools=[cast.school])
    plan_visit(cast, schools=[cast.school])
    client = client_for(cast.city_user)
    url = reverse("guidance:coverage")
    with django_assert_max_num_queries(14):
        content = client.get(url).content.decode()
    assert cast.school.name in content and cast.school_anyuan.name in content
    never = client.get(url, {"standing": "never"}).content.decode()
    assert cast.school_anyuan.name in never and cast.school.name not in never
    met = client.get(url, {"standing": "met"}).content.decode()
    assert cast.school.name in met and cast.school_anyuan.name not in met
    assert client.get(url, {"export": "xlsx"}).status_code == 200


def test_coverage_districts_page(cast, client_for, django_assert_max_num_queries):
    client = client_for(cast.instructor)
    with django_assert_max_num_queries(10):
        content = client.get(reverse("guidance:coverage_districts")).content.decode()
    assert "湘东片区" in content
    ecjtu = client_for(cast.instructor_ecjtu).get(reverse("guidance:coverage_districts"))
    assert "湘东片区" not in ecjtu.content.decode()


def test_coverage_follows_status_and_date_changes(cast):
    from handinhand.guidance import services

    def count() -> int:
        row: Any = selectors.coverage_schools(cast.county_user, TODAY.year).get()
        return row.visits_this_year

    planned = plan_visit(cast, status=VisitStatus.PLANNED, date=TODAY)
    assert count() == 0
    held = services.visit_mark_held(actor=cast.instructor, visit=planned)
    assert count() == 1
    services.visit_update(
        actor=cast.instructor, visit=held, data={"date": LAST_YEAR}, expected_version=None
    )
    assert count() == 0
    other = plan_visit(cast, status=VisitStatus.PLANNED, date=TODAY)
    services.visit_cancel(actor=cast.instructor, visit=other)
    assert count() == 0
