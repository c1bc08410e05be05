"""Services of a research call, with every bad input of issue 12 (R11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.research import services
from handinhand.research.models import (
    AppStatus,
    CallStatus,
    ResearchApplication,
    ResearchCall,
    Stage,
)
from handinhand.research.tests.factories import (
    CATALOGUE,
    FULL_MARKS,
    a_call,
    apply,
    expert,
    past_deadline,
    ranked_call,
    submitted,
)

pytestmark = pytest.mark.django_db


def _call_kwargs(**kw):
    base = {
        "catalogue": CATALOGUE,
        "year": 2025,
        "title": "课题申报",
        "topic_guide": "中小学校党建研究",
        "deadline": timezone.localdate() + dt.timedelta(days=5),
        "places": 10,
    }
    return base | kw


def test_call_takes_the_policy_quota_and_rules(cast):
    call = services.call_create(actor=cast.province_admin, **_call_kwargs())
    assert call.separate_quota == 10  # the policy's 20, at most the places
    assert call.unit_recommendation and call.blind_review
    assert next(i["name"] for i in call.rubric) == "选题意义"
    assert call.min_score == Decimal("60")


@pytest.mark.parametrize(("quota", "message"), [(11, "不能超过立项总数"), (-1, "不能为负数")])
def test_quota_larger_than_places_or_negative(cast, quota, message):
    with pytest.raises(ValidationError) as exc:
        services.call_create(actor=cast.province_admin, **_call_kwargs(separate_quota=quota))
    assert message in str(exc.value)
    assert not ResearchCall.objects.exists()


def test_only_the_province_opens_a_call_of_a_known_catalogue(cast):
    with pytest.raises(PermissionDeniedError):
        services.call_create(actor=cast.leader, **_call_kwargs())
    with pytest.raises(ValidationError, match="申报目录"):
        services.call_create(actor=cast.province_admin, **_call_kwargs(catalogue="其他目录"))


def test_applying_twice_or_after_the_deadline(cast):
    call = a_call(cast)
    apply(cast, call, cast.instructor)
    with pytest.raises(ValidationError, match="限申报 1 项"):
        apply(cast, call, cast.instructor, title="第二项")
    call = past_deadline(call)
    with pytest.raises(PermissionDeniedError):
        apply(cast, call, cast.leader)
    draft = ResearchApplication.objects.get()
    with pytest.raises(ValidationError, match="申报已截止"):
        services.application_submit(actor=cast.instructor, application=draft)


def test_one_person_in_one_team_per_call(cast):
    call = a_call(cast)
    apply(cast, call, cast.instructor, team=[cast.leader])
    with pytest.raises(ValidationError, match="其他课题组"):
        apply(cast, call, cast.instructor_ecjtu, team=[cast.leader])
    with pytest.raises(ValidationError, match="其他课题组"):
        apply(cast, call, cast.instructor_jxufe, team=[cast.instructor])


def test_unit_recommends_or_returns_with_a_reason(cast):
    call = a_call(cast)
    app = services.application_submit(
        actor=cast.instructor, application=apply(cast, call, cast.instructor)
    )
    assert app.status == AppStatus.SUBMITTED and app.unit_id is not None
    with pytest.raises(PermissionDeniedError):
        services.application_recommend(actor=cast.leader, application=app, recommend=True)
    with pytest.raises(ValidationError, match="说明原因"):
        services.application_recommend(actor=cast.unit_contact, application=app, recommend=False)
    app = services.application_recommend(
        actor=cast.unit_contact, application=app, recommend=False, reason="经费预算过高"
    )
    assert app.status == AppStatus.RETURNED and app.return_reason == "经费预算过高"
    app = services.application_submit(actor=cast.instructor, application=app)
    app = services.application_recommend(actor=cast.unit_contact, application=app, recommend=True)
    assert app.status == AppStatus.RECOMMENDED


def test_recommendation_step_switched_off(cast):
    call = a_call(cast)
    ResearchCall.objects.filter(pk=call.pk).update(unit_recommendation=False)
    call.refresh_from_db()
    app = services.application_submit(
        actor=cast.instructor, application=apply(cast, call, cast.instructor)
    )
    assert app.status == AppStatus.RECOMMENDED


def test_a_reviewer_from_the_applicants_unit_is_refused(cast):
    call = a_call(cast)
    app = submitted(cast, call, cast.instructor)
    # The leader is of 南昌大学, like the instructor.
    with pytest.raises(ValidationError, match="同属一个单位"):
        services.review_assign(actor=cast.province_admin, application=app, reviewer=cast.leader)
    review = services.review_assign(
        actor=cast.province_admin, application=app, reviewer=expert(cast)
    )
    assert review.reviewer == expert(cast)


def test_a_team_member_who_reviews_the_call_is_refused_both_ways(cast):
    call = a_call(cast)
    app = submitted(cast, call, cast.instructor)
    services.review_assign(actor=cast.province_admin, application=app, reviewer=expert(cast))
    with pytest.raises(ValidationError, match="评审专家，不能参加课题组"):
        apply(cast, call, cast.instructor_ecjtu, team=[expert(cast)])
    apply(cast, call, cast.instructor_jxufe, team=[expert(cast, "expert2", "九江学院")])
    other = submitted(cast, call, cast.outsider)
    with pytest.raises(ValidationError, match="参加了本次申报的课题组"):
        services.review_assign(
            actor=cast.province_admin, application=other, reviewer=expert(cast, "expert2")
        )


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        (FULL_MARKS | {"选题意义": 21}, "0 到 20"),
        (FULL_MARKS | {"研究基础": -1}, "0 到 20"),
        ({"选题意义": 10}, "请填写"),
        (FULL_MARKS | {"附加分": 5}, "评分细则中没有"),
    ],
)
def test_a_score_outside_the_rubric(cast, scores, message):
    call = a_call(cast)
    app = submitted(cast, call, cast.instructor)
    review = services.review_assign(
        actor=cast.province_admin, application=app, reviewer=expert(cast)
    )
    with pytest.raises(ValidationError, match=message):
        services.review_submit(actor=expert(cast), review=review, scores=scores)
    with pytest.raises(PermissionDeniedError):
        services.review_submit(actor=cast.leader, review=review, scores=FULL_MARKS)


def test_ranking_gives_priority_and_explains(cast):
    call, mine, other = ranked_call(cast)
    assert call.status == CallStatus.REVIEW
    assert mine.eligible and mine.eligibility_evidence[0]["group"] == "南昌大学党建指导组"
    assert not other.eligible and other.eligibility_evidence == []
    assert mine.score == other.score == Decimal("90.00")
    assert mine.approved and "指导组成员优先" in mine.proposed_reason
    assert not other.approved and "名额已满" in other.proposed_reason


def test_an_override_needs_a_reason_and_is_audited(cast):
    call, mine, other = ranked_call(cast)
    with pytest.raises(ValidationError, match="说明理由"):
        services.decision_override(
            actor=cast.province_admin, application=other, approved=True, reason=" "
        )
    before = AuditEvent.objects.count()
    services.decision_override(
        actor=cast.province_admin, application=other, approved=True, reason="选题填补空白"
    )
    assert AuditEvent.objects.count() == before + 1
    with pytest.raises(ValidationError, match="超过立项总数"):
        services.call_publish(actor=cast.province_admin, call=call)
    services.decision_override(
        actor=cast.province_admin, application=mine, approved=False, reason="调整为次年"
    )
    call = services.call_publish(actor=cast.province_admin, call=call)
    other.refresh_from_db()
    assert call.status == CallStatus.PUBLISHED
    assert other.status == AppStatus.APPROVED and other.stage == Stage.APPROVED
    assert other.midterm_due == services.add_months(timezone.localdate(), 12)


def _pdf(name="中期报告.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * 100, content_type="application/pdf")


def test_follow_up_midterm_then_closing(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call, mine, _other = ranked_call(cast)
    services.call_publish(actor=cast.province_admin, call=call)
    mine.refresh_from_db()
    assert mine.status == AppStatus.APPROVED and not mine.midterm_overdue
    ResearchApplication.objects.filter(pk=mine.pk).update(
        midterm_due=timezone.localdate() - dt.timedelta(days=1)
    )
    mine.refresh_from_db()
    assert mine.midterm_overdue
    with pytest.raises(ValidationError, match="请上传"):
        services.project_report(actor=cast.instructor, application=mine)
    with pytest.raises(ValidationError, match="不允许的文件类型"):
        services.project_report(
            actor=cast.instructor,
            application=mine,
            upload=SimpleUploadedFile("x.pdf", b"MZ not a pdf"),
        )
    mine = services.project_report(actor=cast.instructor, application=mine, upload=_pdf())
    assert mine.stage == Stage.MIDTERM and mine.midterm_on == timezone.localdate()
    mine = services.project_report(
        actor=cast.instructor, application=mine, upload=_pdf("结题报告.pdf")
    )
    assert mine.stage == Stage.CLOSED
    with pytest.raises(PermissionDeniedError):
        services.project_report(actor=cast.leader, application=mine)


def test_the_published_result_reaches_the_applicant_as_follow_up_work(cast, settings, tmp_path):
    from handinhand.core.inbox import inbox_count, inbox_items, reset_inbox

    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    call, mine, _other = ranked_call(cast)

    def follow_up(user):
        reset_inbox(user)
        return [i for i in inbox_items(user, today) if i.source == "research.follow_up"]

    assert follow_up(cast.instructor) == []  # ranked, not yet published
    services.call_publish(actor=cast.province_admin, call=call)
    mine.refresh_from_db()
    [item] = follow_up(cast.instructor)
    assert item.title == "课题已立项，提交中期检查材料" and item.due == mine.midterm_due
    assert follow_up(cast.leader) == [] and follow_up(cast.province_admin) == []
    reset_inbox(cast.instructor)
    assert inbox_count(cast.instructor, today) == len(inbox_items(cast.instructor, today))
    mine = services.project_report(actor=cast.instructor, application=mine, upload=_pdf())
    [item] = follow_up(cast.instructor)
    assert item.title == "提交课题结题材料" and item.due == mine.closing_due
    services.project_report(actor=cast.instructor, application=mine, upload=_pdf("结题.pdf"))
    assert follow_up(cast.instructor) == []


def test_scope_of_applications(cast):
    call = a_call(cast)
    mine = submitted(cast, call, cast.instructor, team=[cast.instructor_jxufe])
    other = submitted(cast, call, cast.outsider)
    draft = apply(cast, call, cast.leader)
    review = services.review_assign(
        actor=cast.province_admin, application=other, reviewer=expert(cast)
    )
    visible = lambda u: set(ResearchApplication.objects.visible_to(u).values_list("pk", flat=True))  # noqa: E731
    assert visible(cast.province_admin) == {mine.pk, other.pk, draft.pk}
    assert visible(cast.instructor) == {mine.pk}
    assert visible(cast.instructor_jxufe) == {mine.pk}  # team member
    assert visible(cast.unit_contact) == {mine.pk}  # drafts of the unit stay private
    assert visible(expert(cast)) == {review.application_id}
    assert visible(cast.instructor_ecjtu) == set()
    assert visible(cast.audit_admin) == set()
    assert ResearchCall.objects.visible_to(expert(cast)).count() == 1
    assert ResearchCall.objects.visible_to(cast.audit_admin).count() == 0
