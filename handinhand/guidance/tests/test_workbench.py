"""The instructor's workbench: their groups, districts, schools and visits; fixed queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from handinhand.guidance.models import VisitStatus
from handinhand.guidance.tests.conftest import plan_visit

TODAY = timezone.localdate()


def test_workbench_shows_my_group_district_schools_and_visits(cast, client_for):
    plan_visit(cast, title="下周的活动", status=VisitStatus.PLANNED, date=TODAY + dt.timedelta(7))
    plan_visit(
        cast, title="忘了标记的活动", status=VisitStatus.PLANNED, date=TODAY - dt.timedelta(2)
    )
    plan_visit(
        cast,
        actor=cast.leader,
        title="组长的活动",
        instructors=[],
        status=VisitStatus.PLANNED,
        date=TODAY + dt.timedelta(3),
    )
    content = client_for(cast.instructor).get(reverse("guidance:workbench")).content.decode()
    assert "南昌大学党建指导组" in content and "湘东片区" in content
    assert cast.school.name in content
    assert "下周的活动" in content and "忘了标记的活动" in content
    assert "组长的活动" not in content  # not mine: I am not among its instructors
    upcoming = content.index("我即将开展的活动")
    assert content.index("忘了标记的活动") < upcoming < content.index("下周的活动")


def test_workbench_is_closed_to_non_instructors(cast, client_for):
    for who in ("school_user", "city_user", "province_admin", "outsider"):
        assert client_for(getattr(cast, who)).get(reverse("guidance:workbench")).status_code == 404


def test_workbench_queries_do_not_grow(cast, client_for, django_assert_max_num_queries):
    client = client_for(cast.instructor)
    plan_visit(cast, status=VisitStatus.PLANNED, date=TODAY + dt.timedelta(1))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("guidance:workbench"))
    for i in range(12):
        plan_visit(
            cast,
            title=f"v{i}",
            status=VisitStatus.PLANNED,
            date=TODAY + dt.timedelta(i),
            schools=[cast.school, cast.school_anyuan],
        )
    with django_assert_max_num_queries(len(small)):
        client.get(reverse("guidance:workbench"))
    assert len(small) <= 18
