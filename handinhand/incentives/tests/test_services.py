"""The assessment's rules (R10), through its services, on the fixed cast."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from handinhand.conftest import make_user
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.incentives import services
from handinhand.incentives.models import (
    Assessment,
    AssessmentStatus,
    AssessmentYear,
    Correction,
    Priority,
    PriorityStatus,
)
from handinhand.incentives.tests.factories import (
    LAST_YEAR,
    confirmed_year,
    final_year,
    more_members,
    ncu_unit,
    open_year,
    publicised_year,
    record,
    walk,
)
from handinhand.programme.models import MemberRole, Membership

pytestmark = pytest.mark.django_db


def test_opening_a_year_gives_every_member_a_record_with_months_group_and_unit(cast):
    year = open_year(cast, extra=0)
    rows = {a.user_id: a for a in Assessment.objects.filter(year=year)}
    assert set(rows) == {
        cast.instructor.pk,
        cast.leader.pk,
        cast.instructor_ecjtu.pk,
        cast.instructor_jxufe.pk,
    }
    mine = rows[cast.instructor.pk]
    assert (mine.months, mine.group_id, mine.status) == (12, cast.groups["ncu"].pk, "pending")
    assert mine.unit is not None and mine.unit.name == "南昌大学"
    assert year.window_start == dt.date(LAST_YEAR, 12, 1)
    assert year.window_end == dt.date(LAST_YEAR + 1, 1, 31)
    assert AuditEvent.objects.filter(object_type="incentives.assessment").count() == 4


def test_too_few_months_is_not_assessed_with_the_reason(cast):
    late = make_user("late", "晚到指导员")
    Membership.objects.create(
        group=cast.groups["ncu"],
        user=late,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(LAST_YEAR, 10, 1),
    )
    year = open_year(cast, extra=0)
    a = record(year, late)
    assert a.months == 3 and a.status == AssessmentStatus.EXEMPT
    assert "不足 6 个月" in a.exempt_reason


def test_opening_a_year_twice_is_refused(cast):
    open_year(cast, extra=0)
    with pytest.raises(ValidationError, match="已开启"):
        services.year_open(actor=cast.province_admin, year=LAST_YEAR)
    assert AssessmentYear.objects.count() == 1


def test_only_the_province_opens_a_year(cast):
    with pytest.raises(PermissionDeniedError):
        services.year_open(actor=cast.leader, year=LAST_YEAR)


def test_grading_a_person_who_was_not_a_member_that_year_is_refused(cast):
    year = open_year(cast, extra=0)
    stranger = make_user("stranger", "非成员")
    with pytest.raises(ValidationError, match="不是被考核指导组的成员"):
        services.assessment_add(actor=cast.province_admin, year=year, user=stranger)
    exempt = make_user("exempt", "任期不足")
    Membership.objects.create(
        group=cast.groups["ncu"], user=exempt, role="指导员", term_start=dt.date(LAST_YEAR, 11, 1)
    )
    added = services.assessment_add(actor=cast.province_admin, year=year, user=exempt)
    assert added.status == AssessmentStatus.EXEMPT
    with pytest.raises(ValidationError, match="不参加考核"):
        services.assessment_summarise(
            actor=exempt, assessment=added, text="述职", submit=True, expected_version=None
        )


def test_workflow_summary_proposal_confirmation(cast):
    year = open_year(cast)
    a = record(year, cast.instructor)
    with pytest.raises(PermissionDeniedError):
        services.assessment_summarise(
            actor=cast.leader, assessment=a, text="代写", submit=True, expected_version=None
        )
    with pytest.raises(ValidationError):
        services.assessment_propose(
            actor=cast.leader, assessment=a, grade="合格", comment="", expected_version=None
        )
    a = walk(cast, a, to="submitted")
    with pytest.raises(PermissionDeniedError):
        services.assessment_propose(
            actor=cast.instructor_ecjtu,
            assessment=a,
            grade="合格",
            comment="",
            expected_version=None,
        )
    a = services.assessment_propose(
        actor=cast.leader, assessment=a, grade="优秀", comment="表现突出", expected_version=None
    )
    a = services.assessment_confirm(actor=cast.province_admin, assessment=a)
    assert (a.status, a.grade, a.grade_reason) == ("confirmed", "优秀", "表现突出")


def test_the_leaders_own_grade_is_proposed_by_the_province(cast):
    year = open_year(cast)
    a = walk(cast, record(year, cast.leader), to="submitted")
    with pytest.raises(PermissionDeniedError):
        services.assessment_propose(
            actor=cast.leader, assessment=a, grade="优秀", comment="", expected_version=None
        )
    a = services.assessment_propose(
        actor=cast.province_admin, assessment=a, grade="合格", comment="", expected_version=None
    )
    assert a.status == AssessmentStatus.PROPOSED


def test_a_low_grade_without_a_reason_is_refused(cast):
    year = open_year(cast)
    a = walk(cast, record(year, cast.instructor), to="submitted")
    with pytest.raises(ValidationError, match="说明理由"):
        services.assessment_propose(
            actor=cast.leader, assessment=a, grade="基本合格", comment=" ", expected_version=None
        )
    a = services.assessment_propose(
        actor=cast.leader, assessment=a, grade="合格", comment="", expected_version=None
    )
    with pytest.raises(ValidationError, match="说明理由"):
        services.assessment_confirm(actor=cast.province_admin, assessment=a, grade="不合格")
    a = services.assessment_confirm(
        actor=cast.province_admin, assessment=a, grade="不合格", reason="全年未到校指导"
    )
    assert a.grade == "不合格" and a.grade_reason == "全年未到校指导"


def test_more_top_grades_than_the_cap_is_refused_with_how_many_are_allowed(cast):
    year = open_year(cast)  # 南昌大学: 5 participants, 30 % → 1 优秀
    first, second = (record(year, u) for u in (cast.instructor, cast.leader))
    walk(cast, first, to="confirmed", grade="优秀")
    second = walk(cast, second, to="proposed", grade="优秀")
    with pytest.raises(ValidationError) as caught:
        services.assessment_confirm(actor=cast.province_admin, assessment=second)
    message = "；".join(caught.value.messages)
    assert "本组参加考核 5 人，最多 1 人，已确认 1 人" in message
    assert record(year, cast.leader).status == AssessmentStatus.PROPOSED


def test_every_step_returns_with_a_reason(cast):
    year = open_year(cast)
    a = walk(cast, record(year, cast.instructor), to="submitted")
    with pytest.raises(ValidationError, match="退回原因"):
        services.assessment_return(actor=cast.leader, assessment=a, reason="")
    a = services.assessment_return(actor=cast.leader, assessment=a, reason="请补充问题整改情况")
    assert a.status == AssessmentStatus.PENDING and a.return_reason
    a = walk(cast, a, to="proposed")
    with pytest.raises(PermissionDeniedError):
        services.assessment_return(actor=cast.leader, assessment=a, reason="x")
    a = services.assessment_return(actor=cast.province_admin, assessment=a, reason="请复核")
    assert a.status == AssessmentStatus.SUBMITTED


def test_publicity_needs_everyone_confirmed(cast):
    year = open_year(cast)
    with pytest.raises(ValidationError, match="未完成等次确认"):
        services.year_publicise(actor=cast.province_admin, year=year)


def test_editing_after_final_is_refused_and_correction_is_audited(cast):
    year = final_year(cast)
    a = record(year, cast.instructor)
    with pytest.raises(ValidationError, match="结果更正"):
        services.assessment_return(actor=cast.province_admin, assessment=a, reason="改")
    with pytest.raises(ValidationError, match="结果更正"):
        services.assessment_confirm(actor=cast.province_admin, assessment=a, grade="合格")
    assert Priority.objects.filter(assessment=a).count() == 4
    with pytest.raises(ValidationError, match="更正原因"):
        services.assessment_correct(
            actor=cast.province_admin, assessment=a, grade="合格", reason=""
        )
    services.assessment_correct(
        actor=cast.province_admin, assessment=a, grade="合格", reason="复核发现材料不实"
    )
    a.refresh_from_db()
    assert a.grade == "合格"
    assert Correction.objects.get(assessment=a).old_grade == "优秀"
    assert set(Priority.objects.filter(assessment=a).values_list("status", flat=True)) == {
        PriorityStatus.REVOKED
    }
    assert AuditEvent.objects.filter(
        object_type="incentives.correction", object_id=str(Correction.objects.get().pk)
    ).exists()


def test_an_objection_after_publicity_ended_is_refused(cast):
    year = publicised_year(cast)
    a = record(year, cast.instructor)
    objection = services.objection_raise(actor=cast.instructor_ecjtu, assessment=a, text="有异议")
    with pytest.raises(PermissionDeniedError):
        services.objection_raise(actor=cast.outsider, assessment=a, text="有异议")
    # Only a published (confirmed) result can be objected to, not an exempt record.
    exempt = Assessment.objects.exclude(pk=a.pk).filter(year=year).first()
    assert exempt is not None
    Assessment.objects.filter(pk=exempt.pk).update(status=AssessmentStatus.EXEMPT)
    exempt.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.objection_raise(actor=cast.instructor_ecjtu, assessment=exempt, text="异议")
    AssessmentYear.objects.filter(pk=year.pk).update(
        publicity_end=timezone.localdate() - dt.timedelta(days=1)
    )
    a = record(year, cast.instructor)
    with pytest.raises(ValidationError, match="公示期已结束"):
        services.objection_raise(actor=cast.instructor_ecjtu, assessment=a, text="再提")
    year.refresh_from_db()
    with pytest.raises(ValidationError, match="异议未答复"):
        services.year_finalise(actor=cast.province_admin, year=year)
    services.objection_answer(actor=cast.province_admin, objection=objection, answer="经核实无误")
    year = services.year_finalise(actor=cast.province_admin, year=year)
    assert year.is_final


def test_finalising_before_publicity_ends_is_refused(cast):
    year = publicised_year(cast)
    with pytest.raises(ValidationError, match="公示期满后"):
        services.year_finalise(actor=cast.province_admin, year=year)


def test_final_top_grade_gives_priorities_per_area_with_validity_and_unit(cast):
    year = final_year(cast)
    rows = list(Priority.objects.filter(user=cast.instructor).order_by("area"))
    assert sorted(p.area for p in rows) == sorted(["评优评先", "培养培训", "职称评聘", "职务晋升"])
    today = timezone.localdate()
    assert all(p.valid_from == today for p in rows)
    assert all(p.valid_until.year == today.year + 2 for p in rows)
    assert {p.unit_id for p in rows} == {ncu_unit(cast).pk}
    assert not Priority.objects.exclude(user=cast.instructor).exists()
    assert year.is_final


def test_the_unit_contact_records_the_application(cast):
    final_year(cast)
    priority = Priority.objects.filter(user=cast.instructor).first()
    assert priority is not None
    with pytest.raises(PermissionDeniedError):
        services.priority_record(actor=cast.leader, priority=priority, applied=True, note="x")
    with pytest.raises(ValidationError):
        services.priority_record(actor=cast.unit_contact, priority=priority, applied=True, note="")
    done = services.priority_record(
        actor=cast.unit_contact,
        priority=priority,
        applied=True,
        note="2026年职称评聘，同等条件优先",
    )
    assert done.status == PriorityStatus.APPLIED and done.recorded_by == cast.unit_contact


def test_letters_are_numbered_coded_and_written(cast):
    from docx import Document

    year = final_year(cast)
    job = services.letters_start(actor=cast.province_admin, year=year)
    job = services.letters_run(job.pk)
    assert (job.status, job.done, job.total) == ("done", 7, 7)
    letter = record(year, cast.instructor).letter
    assert letter.number.startswith(f"赣教工委考〔{LAST_YEAR}〕") and len(letter.code) == 12
    text = "\n".join(p.text for p in Document(letter.file.open("rb")).paragraphs)
    assert "优秀" in text and "职称评聘" in text and letter.code in text
    # Running again keeps numbers and codes.
    services.letters_run(services.letters_start(actor=cast.province_admin, year=year).pk)
    again = record(year, cast.instructor).letter
    assert (again.number, again.code) == (letter.number, letter.code)


def test_letters_only_after_final(cast):
    year = confirmed_year(cast)
    with pytest.raises(ValidationError):
        services.letters_start(actor=cast.province_admin, year=year)


def test_year_cap_scope_counts_across_the_year(cast, settings, tmp_path):
    from pathlib import Path

    from handinhand.core.policy import get_policy

    text = Path(settings.POLICY_FILE).read_text(encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace('cap_scope = "group"', 'cap_scope = "year"'), "utf-8")
    settings.POLICY_FILE = str(policy)
    get_policy.cache_clear()
    try:
        year = open_year(cast, extra=0)  # 4 participants in all → 1 优秀 across the year
        walk(cast, record(year, cast.instructor_ecjtu), to="confirmed", grade="优秀")
        other = walk(cast, record(year, cast.instructor_jxufe), to="proposed", grade="优秀")
        with pytest.raises(ValidationError, match="本年度参加考核 4 人，最多 1 人"):
            services.assessment_confirm(actor=cast.province_admin, assessment=other)
    finally:
        get_policy.cache_clear()


def test_more_members_helper_makes_five(cast):
    more_members(cast)
    assert Membership.objects.filter(group=cast.groups["ncu"]).count() == 5


def test_an_open_priority_waits_in_the_unit_contacts_inbox_until_recorded(cast):
    from handinhand.core.inbox import inbox_count, inbox_items, reset_inbox

    final_year(cast)
    today = timezone.localdate()
    open_ids = set(
        Priority.objects.filter(user=cast.instructor, status=PriorityStatus.OPEN).values_list(
            "pk", flat=True
        )
    )
    assert len(open_ids) == 4

    def owed() -> set[str]:
        reset_inbox(cast.unit_contact)
        return {
            i.key
            for i in inbox_items(cast.unit_contact, today)
            if i.source == "incentives.priority"
        }

    assert owed() == {f"priority:{pk}" for pk in open_ids}
    reset_inbox(cast.unit_contact)
    assert inbox_count(cast.unit_contact, today) >= 4
    # Nobody else owes it: not the person, not the leader.
    reset_inbox(cast.leader)
    assert not [i for i in inbox_items(cast.leader, today) if i.source == "incentives.priority"]
    first = Priority.objects.get(pk=min(open_ids))
    services.priority_record(
        actor=cast.unit_contact, priority=first, applied=False, note="本年度无职称评聘"
    )
    assert owed() == {f"priority:{pk}" for pk in open_ids - {first.pk}}
