"""Evidence is counted from the records for everyone at once; the cap on 优秀 holds whatever
order confirmations come in."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handinhand.conftest import make_user
from handinhand.core.policy import get_policy
from handinhand.guidance.models import Finding, FindingStatus, Visit, VisitSchool, VisitStatus
from handinhand.incentives import services
from handinhand.incentives.evidence import compute_evidence
from handinhand.incentives.models import Assessment, AssessmentStatus
from handinhand.incentives.tests.factories import LAST_YEAR, open_year, record, walk
from handinhand.meetings.models import Attendance, Meeting, MeetingStatus
from handinhand.programme.models import MemberRole, Membership
from handinhand.training.models import Attendance as TrainingAttendance
from handinhand.training.models import TrainingSession

pytestmark = pytest.mark.django_db


def _records(cast):
    day = dt.date(LAST_YEAR, 5, 10)
    visit = Visit.objects.create(
        group=cast.groups["ncu"],
        date=day,
        duration_hours=Decimal("2"),
        form="实地指导",
        status=VisitStatus.HELD,
        title="到校指导",
        created_by=cast.instructor,
    )
    VisitSchool.objects.create(visit=visit, school=cast.school, held_on=day)
    VisitSchool.objects.create(visit=visit, school=cast.school_anyuan, held_on=day)
    leader_membership = Membership.objects.get(user=cast.leader)
    visit.instructors.add(cast.membership, leader_membership)
    for status in (FindingStatus.CLOSED, FindingStatus.OPEN):
        Finding.objects.create(
            school=cast.school,
            group=cast.groups["ncu"],
            visit=visit,
            raised_by=cast.membership,
            problem="台账不全",
            found_on=day,
            deadline=day + dt.timedelta(days=30),
            status=status,
        )
    meeting = Meeting.objects.create(
        kind="scheduling",
        group=cast.groups["ncu"],
        title="工作调度会",
        date=day,
        status=MeetingStatus.HELD,
        chair=cast.leader,
    )
    Attendance.objects.create(meeting=meeting, user=cast.instructor, signed_in=True)
    Attendance.objects.create(meeting=meeting, user=cast.leader, signed_in=False)
    session = TrainingSession.objects.create(
        topic="业务培训", date=day, hours=Decimal("8"), organiser=cast.province_admin
    )
    TrainingAttendance.objects.create(session=session, user=cast.instructor, hours=Decimal("6"))


def test_evidence_matches_the_records(cast):
    _records(cast)
    figures = compute_evidence(
        LAST_YEAR,
        [(cast.instructor.pk, cast.groups["ncu"].pk), (cast.leader.pk, cast.groups["ncu"].pk)],
    )
    mine, leader = figures[cast.instructor.pk], figures[cast.leader.pk]
    assert (mine["visits_joined"], mine["visits_led"], mine["schools_guided"]) == (1, 1, 2)
    assert (leader["visits_joined"], leader["visits_led"]) == (1, 0)
    assert (mine["findings_raised"], mine["findings_closed"]) == (2, 1)
    assert (mine["meetings_attended"], mine["meetings_held"]) == (1, 1)
    assert leader["meetings_attended"] == 0
    assert mine["training_hours"] == "6" and mine["training_required"] == "16"
    assert mine["group_meetings_held"] == 1 and mine["group_meetings_owed"] >= 2


def test_evidence_for_many_instructors_costs_a_fixed_number_of_queries(
    cast, django_assert_max_num_queries
):
    _records(cast)
    people = []
    for i in range(60):
        user = make_user(f"many{i}", f"指导员{i}")
        Membership.objects.create(
            group=cast.groups["ecjtu"],
            user=user,
            role=MemberRole.INSTRUCTOR,
            term_start=dt.date(2024, 3, 1),
        )
        people.append((user.pk, cast.groups["ecjtu"].pk))
    people.append((cast.instructor.pk, cast.groups["ncu"].pk))
    get_policy()
    with django_assert_max_num_queries(10):
        figures = compute_evidence(LAST_YEAR, people)
    assert len(figures) == 61


def test_opening_stores_the_evidence(cast):
    _records(cast)
    year = open_year(cast, extra=0)
    assert record(year, cast.instructor).evidence["visits_joined"] == 1


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    wishes=st.lists(st.booleans(), min_size=5, max_size=5),
    order=st.permutations(list(range(5))),
)
def test_share_of_top_grade_never_exceeds_the_cap(cast, wishes, order):
    """Whatever the leader proposes and in whatever order the province confirms, the share of
    优秀 among a group's participants never exceeds the policy's cap."""
    with transaction.atomic():
        year = open_year(cast) if not Assessment.objects.exists() else None
        assert year is not None
        rows = list(
            Assessment.objects.filter(year=year, group=cast.groups["ncu"]).select_related(
                "year", "user", "group"
            )
        )
        for i in order:
            a = walk(cast, rows[i], to="proposed", grade="优秀" if wishes[i] else "合格")
            with contextlib.suppress(ValidationError):
                services.assessment_confirm(actor=cast.province_admin, assessment=a)
        confirmed = Assessment.objects.filter(year=year, group=cast.groups["ncu"])
        participants = confirmed.exclude(status=AssessmentStatus.EXEMPT).count()
        top = confirmed.filter(status=AssessmentStatus.CONFIRMED, grade="优秀").count()
        cap = get_policy().assessment.top_grade_max_share
        assert top <= cap * participants
        assert top == min(sum(wishes), int(cap * participants + 1e-9))
        transaction.set_rollback(True)
