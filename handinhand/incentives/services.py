"""Writes of the assessment (R10): opening a year, the self-summary → proposal →
confirmation workflow with the cap on the top grade, publicity with objections, final results,
audited corrections, priorities and their application, and the notice letters.

Every function validates, writes in one transaction and records the audit event; views and
the API call these and nothing else.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import secrets
import time
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit, formats
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.jobs import job_enqueue, job_fail, job_finish, job_progress, job_running
from handinhand.core.models import AuditAction
from handinhand.core.policy import AssessmentPolicy, get_policy
from handinhand.core.services import create_object, require_province_admin, update_object
from handinhand.incentives import access
from handinhand.incentives.evidence import compute_evidence
from handinhand.incentives.models import (
    Assessment,
    AssessmentStatus,
    AssessmentYear,
    Correction,
    Letter,
    LetterJob,
    Objection,
    Priority,
    PriorityStatus,
    YearStatus,
)
from handinhand.programme.models import Membership

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed
CODE_LENGTH = 12
PROGRESS_EVERY = 20


def _policy() -> AssessmentPolicy:
    return get_policy().assessment


def _month_day(year: int, month_day: str) -> dt.date:
    month, day = (int(x) for x in month_day.split("-"))
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def window(year: int, policy: AssessmentPolicy) -> tuple[dt.date, dt.date]:
    start = _month_day(year, policy.window_start)
    end = _month_day(year, policy.window_end)
    if end < start:
        end = _month_day(year + 1, policy.window_end)
    return start, end


def _memberships(year: int, levels: list[str]) -> Any:
    """Memberships of groups at `levels` whose term touches `year` (ended ones keep their
    term_end; an inactive one without an end never served)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Membership.objects.filter(group__level__in=levels, term_start__lte=end).filter(
        Q(term_end__isnull=True, is_active=True) | Q(term_end__gte=start)
    )


def served(year: int, levels: list[str]) -> dict[int, tuple[int, int]]:
    """{user id: (months served in `year`, the group served longest)} from membership terms;
    overlapping terms in two groups count once. One query."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    spans: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    per_group: dict[int, dict[int, tuple[int, dt.date]]] = defaultdict(dict)
    for user_id, group_id, start, end in _memberships(year, levels).values_list(
        "user_id", "group_id", "term_start", "term_end"
    ):
        s, e = max(start, first), min(end or last, last)
        if e < s:
            continue
        spans[user_id].append((s, e))
        days, latest = per_group[user_id].get(group_id, (0, s))
        per_group[user_id][group_id] = (days + (e - s).days + 1, max(latest, s))
    year_days = (last - first).days + 1
    result: dict[int, tuple[int, int]] = {}
    for user_id, intervals in spans.items():
        intervals.sort()
        total, cur_s, cur_e = 0, intervals[0][0], intervals[0][1]
        for s, e in intervals[1:]:
            if s > cur_e + dt.timedelta(days=1):
                total += (cur_e - cur_s).days + 1
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        total += (cur_e - cur_s).days + 1
        months = min(12, total * 12 // year_days)
        group_id = max(per_group[user_id].items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0]))[0]
        result[user_id] = (months, group_id)
    return result


def _new_assessment(
    year: AssessmentYear, user_id: int, months: int, group_id: int, unit_id: int | None
) -> Assessment:
    exempt = months < year.min_months
    return Assessment(
        year=year,
        user_id=user_id,
        group_id=group_id,
        unit_id=unit_id,
        months=months,
        status=AssessmentStatus.EXEMPT if exempt else AssessmentStatus.PENDING,
        exempt_reason=(
            _("本年度任职 %(m)s 个月，不足 %(min)s 个月") % {"m": months, "min": year.min_months}
            if exempt
            else ""
        ),
    )


def year_open(*, actor: User, year: int) -> AssessmentYear:
    """Open 考核年度 `year`: everyone who served in a group at the policy's levels gets a
    record with their months, group, unit and the year's evidence; too few months → 不参加考核."""
    require_province_admin(actor)
    policy = _policy()
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("不能开启尚未开始的年度的考核")})
    start, end = window(year, policy)
    with transaction.atomic():
        record = AssessmentYear(
            year=year,
            levels=list(policy.levels),
            min_months=policy.min_months,
            window_start=start,
            window_end=end,
            opened_by=actor,
        )
        record = create_object(actor=actor, instance=record)  # full_clean: a second opening fails
        year_fill(record, audit_actor=actor)
    return record


def year_fill(record: AssessmentYear, *, audit_actor: User | None) -> int:
    """The records of a newly opened year, written in bulk (also used by the synthetic
    workloads, which audit without an actor)."""
    people = served(record.year, list(record.levels))
    units = dict(User.objects.filter(pk__in=list(people)).values_list("pk", "unit_id"))
    evidence = compute_evidence(record.year, [(u, g) for u, (_m, g) in people.items()])
    now = timezone.now()
    rows = []
    for user_id, (months, group_id) in sorted(people.items()):
        row = _new_assessment(record, user_id, months, group_id, units.get(user_id))
        row.evidence, row.evidence_at = evidence[user_id], now
        rows.append(row)
    Assessment.objects.bulk_create(rows, batch_size=1000)
    created = Assessment.objects.filter(year=record).select_related("user", "year")
    audit.record_many(
        actor=audit_actor,
        action=AuditAction.CREATE,
        items=[(a, {"status": [None, a.status], "months": [None, a.months]}) for a in created],
    )
    return len(rows)


def year_refresh_evidence(*, actor: User, year: AssessmentYear) -> int:
    """Recompute every record's figures (records already confirmed keep theirs)."""
    require_province_admin(actor)
    _require_open(year)
    with transaction.atomic():
        rows = list(
            Assessment.objects.filter(year=year)
            .exclude(status=AssessmentStatus.CONFIRMED)
            .only("pk", "user_id", "group_id")
        )
        evidence = compute_evidence(year.year, [(a.user_id, a.group_id) for a in rows])
        now = timezone.now()
        for row in rows:
            row.evidence, row.evidence_at = evidence[row.user_id], now
        Assessment.objects.bulk_update(rows, ["evidence", "evidence_at"], batch_size=1000)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=year,
            changes={"evidence_at": [None, now.isoformat()], "records": [None, len(rows)]},
        )
    return len(rows)


def assessment_add(*, actor: User, year: AssessmentYear, user: User) -> Assessment:
    """Add someone missed at opening (a late membership); only members of that year qualify."""
    require_province_admin(actor)
    _require_open(year)
    mine = served(year.year, list(year.levels)).get(user.pk)
    if mine is None:
        raise ValidationError(
            {"user": _("%(name)s 本年度不是被考核指导组的成员，不能参加考核") % {"name": user}}
        )
    months, group_id = mine
    row = _new_assessment(year, user.pk, months, group_id, user.unit_id)
    row.evidence = compute_evidence(year.year, [(user.pk, group_id)])[user.pk]
    row.evidence_at = timezone.now()
    return create_object(actor=actor, instance=row)


# --- workflow --------------------------------------------------------------------------------


def _require_open(year: AssessmentYear) -> None:
    if year.status == YearStatus.FINAL:
        raise ValidationError(_("考核结果已公布，不能再修改；如需更改请使用“结果更正”"))
    if year.status == YearStatus.PUBLICITY:
        raise ValidationError(_("考核结果正在公示，不能再修改"))


def _locked(assessment: Assessment) -> Assessment:
    current = (
        Assessment.objects.select_for_update()
        .select_related("year", "user", "group")
        .get(pk=assessment.pk)
    )
    _require_open(current.year)
    return current


def _check_grade(grade: str, policy: AssessmentPolicy) -> None:
    if grade not in policy.grades:
        raise ValidationError(
            {"grade": _("等次须为：%(grades)s") % {"grades": "、".join(policy.grades)}}
        )


def assessment_summarise(
    *,
    actor: User,
    assessment: Assessment,
    text: str,
    submit: bool,
    expected_version: int | None,
) -> Assessment:
    """The instructor's 个人述职: saved as a draft, or submitted to the group leader."""
    if not access.can_summarise(actor, assessment):
        raise PermissionDeniedError(_("只有本人可以填写个人述职"))
    text = (text or "").strip()
    with transaction.atomic():
        current = _locked(assessment)
        if current.status == AssessmentStatus.EXEMPT:
            raise ValidationError(_("本年度不参加考核：%(r)s") % {"r": current.exempt_reason})
        if current.status != AssessmentStatus.PENDING:
            raise ValidationError(_("个人述职已提交，不能再修改"))
        if submit and not text:
            raise ValidationError({"self_summary": _("提交前请填写个人述职")})
        data: dict[str, Any] = {"self_summary": text}
        if submit:
            data.update(status=AssessmentStatus.SUBMITTED, submitted_at=timezone.now())
        return update_object(
            actor=actor, instance=current, data=data, expected_version=expected_version
        )


def assessment_propose(
    *,
    actor: User,
    assessment: Assessment,
    grade: str,
    comment: str,
    expected_version: int | None,
) -> Assessment:
    """The group leader proposes a grade with a comment; grades that need a reason need one."""
    if not access.can_propose(actor, assessment):
        raise PermissionDeniedError(_("只有该指导组组长可以提出建议等次"))
    policy = _policy()
    _check_grade(grade, policy)
    comment = (comment or "").strip()
    if grade in policy.reason_grades and not comment:
        raise ValidationError(
            {"comment": _("建议等次为“%(g)s”时须在评语中说明理由") % {"g": grade}}
        )
    with transaction.atomic():
        current = _locked(assessment)
        if current.status != AssessmentStatus.SUBMITTED:
            raise ValidationError(_("只能对已提交个人述职、待组长评定的人员提出建议等次"))
        return update_object(
            actor=actor,
            instance=current,
            data={
                "proposed_grade": grade,
                "proposal_comment": comment,
                "proposed_by": actor,
                "proposed_at": timezone.now(),
                "status": AssessmentStatus.PROPOSED,
                "return_reason": "",
            },
            expected_version=expected_version,
        )


def top_grade_room(year: AssessmentYear, group_id: int) -> tuple[int, int, int]:
    """(participants, allowed, already confirmed) of the top grade where the cap is counted:
    the record's group or the whole year (policy). allowed = ⌊share × participants⌋."""
    policy = _policy()
    rows = Assessment.objects.filter(year=year).exclude(status=AssessmentStatus.EXEMPT)
    if policy.cap_scope == "group":
        rows = rows.filter(group_id=group_id)
    counts = rows.aggregate(
        n=Count("pk"),
        top=Count("pk", filter=Q(status=AssessmentStatus.CONFIRMED, grade=policy.top_grade)),
    )
    allowed = math.floor(policy.top_grade_max_share * counts["n"] + 1e-9)
    return counts["n"], allowed, counts["top"]


def _check_cap(year: AssessmentYear, group_id: int) -> None:
    policy = _policy()
    participants, allowed, used = top_grade_room(year, group_id)
    if used + 1 > allowed:
        where = _("本组") if policy.cap_scope == "group" else _("本年度")
        raise ValidationError(
            {
                "grade": _(
                    "“%(top)s”等次不得超过参加考核人数的 %(share)s%%：%(where)s参加考核 "
                    "%(n)s 人，最多 %(allowed)s 人，已确认 %(used)s 人"
                )
                % {
                    "top": policy.top_grade,
                    "share": f"{policy.top_grade_max_share * 100:g}",
                    "where": where,
                    "n": participants,
                    "allowed": allowed,
                    "used": used,
                }
            }
        )


def assessment_confirm(
    *,
    actor: User,
    assessment: Assessment,
    grade: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> Assessment:
    """The provincial group confirms the grade (the proposal's, or another with a reason);
    the share of the top grade is checked here, under a lock on the year."""
    require_province_admin(actor)
    policy = _policy()
    reason = (reason or "").strip()
    with transaction.atomic():
        # One confirmation at a time per year, so that two cannot both take the last place.
        AssessmentYear.objects.select_for_update().filter(pk=assessment.year_id).first()
        current = _locked(assessment)
        if current.status != AssessmentStatus.PROPOSED:
            raise ValidationError(_("只能确认组长已提出建议等次的人员"))
        grade = grade or current.proposed_grade
        _check_grade(grade, policy)
        if grade != current.proposed_grade and not reason:
            raise ValidationError({"reason": _("确认等次与组长建议不同，须说明理由")})
        if grade == current.proposed_grade and not reason:
            reason = current.proposal_comment
        if grade in policy.reason_grades and not reason:
            raise ValidationError({"reason": _("等次为“%(g)s”须说明理由") % {"g": grade}})
        if grade == policy.top_grade:
            _check_cap(current.year, current.group_id)
        return update_object(
            actor=actor,
            instance=current,
            data={
                "grade": grade,
                "grade_reason": reason,
                "confirmed_by": actor,
                "confirmed_at": timezone.now(),
                "status": AssessmentStatus.CONFIRMED,
                "return_reason": "",
            },
            expected_version=expected_version,
        )


def assessment_return(*, actor: User, assessment: Assessment, reason: str) -> Assessment:
    """One step back, always with a reason: the leader returns a self-summary to the person;
    the province returns a proposal to the leader, or reopens a confirmation."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回须填写退回原因")})
    with transaction.atomic():
        current = _locked(assessment)
        back = {
            AssessmentStatus.SUBMITTED: (AssessmentStatus.PENDING, access.can_propose),
            AssessmentStatus.PROPOSED: (AssessmentStatus.SUBMITTED, _admin),
            AssessmentStatus.CONFIRMED: (AssessmentStatus.PROPOSED, _admin),
        }.get(AssessmentStatus(current.status))
        if back is None:
            raise ValidationError(_("当前状态不能退回"))
        target, allowed = back
        if not allowed(actor, current):
            raise PermissionDeniedError(_("无权退回"))
        data: dict[str, Any] = {"status": target, "return_reason": reason}
        if current.status == AssessmentStatus.CONFIRMED:
            data.update(grade="", grade_reason="", confirmed_by=None, confirmed_at=None)
        return update_object(actor=actor, instance=current, data=data, expected_version=None)


def _admin(actor: User, _assessment: Assessment) -> bool:
    return access.is_province_admin(actor)


# --- publicity and final results -------------------------------------------------------------


def _locked_year(year: AssessmentYear) -> AssessmentYear:
    return AssessmentYear.objects.select_for_update().get(pk=year.pk)


def year_publicise(*, actor: User, year: AssessmentYear) -> AssessmentYear:
    """Start the publicity (公示) for the policy's days, once every participant is confirmed."""
    require_province_admin(actor)
    with transaction.atomic():
        current = _locked_year(year)
        if current.status != YearStatus.OPEN:
            raise ValidationError(_("只能对考核中的年度发起公示"))
        waiting = (
            Assessment.objects.filter(year=current)
            .exclude(status__in=[AssessmentStatus.EXEMPT, AssessmentStatus.CONFIRMED])
            .count()
        )
        if waiting:
            raise ValidationError(_("尚有 %(n)s 人未完成等次确认，不能公示") % {"n": waiting})
        today = timezone.localdate()
        days = _policy().publicity_days
        return update_object(
            actor=actor,
            instance=current,
            data={
                "status": YearStatus.PUBLICITY,
                "publicity_start": today,
                "publicity_end": today + dt.timedelta(days=days - 1),
            },
            expected_version=None,
        )


def objection_raise(*, actor: User, assessment: Assessment, text: str) -> Objection:
    year = assessment.year
    if not access.can_see_publicity(actor, year):
        raise PermissionDeniedError(_("无权对该考核结果提出异议"))
    # Only a published result can be objected to: not an exempt or returned record.
    if assessment.status != AssessmentStatus.CONFIRMED:
        raise PermissionDeniedError(_("无权对该考核结果提出异议"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写异议内容")})
    today = timezone.localdate()
    if (
        year.status != YearStatus.PUBLICITY
        or year.publicity_end is None
        or today > year.publicity_end
    ):
        raise ValidationError(_("公示期已结束，不能再提出异议"))
    return create_object(
        actor=actor, instance=Objection(assessment=assessment, raised_by=actor, text=text)
    )


def objection_answer(*, actor: User, objection: Objection, answer: str) -> Objection:
    require_province_admin(actor)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复内容")})
    with transaction.atomic():
        current = (
            Objection.objects.select_for_update()
            .select_related("assessment__year")
            .get(pk=objection.pk)
        )
        if current.assessment.year.status == YearStatus.FINAL:
            raise ValidationError(_("考核结果已公布，不能再答复异议"))
        if current.answered_at is not None:
            raise ValidationError(_("该异议已答复"))
        return update_object(
            actor=actor,
            instance=current,
            data={"answer": answer, "answered_by": actor, "answered_at": timezone.now()},
            expected_version=None,
        )


def _valid_until(start: dt.date, years: int) -> dt.date:
    try:
        later = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        later = start.replace(year=start.year + years, day=28)
    return later - dt.timedelta(days=1)


def priorities_for(assessments: list[Assessment], start: dt.date) -> list[Priority]:
    policy = _policy()
    until = _valid_until(start, policy.priority_validity_years)
    return [
        Priority(
            assessment=a,
            user_id=a.user_id,
            unit_id=a.unit_id,
            area=area,
            valid_from=start,
            valid_until=until,
        )
        for a in assessments
        for area in policy.priority_areas
    ]


def year_finalise(*, actor: User, year: AssessmentYear) -> AssessmentYear:
    """After publicity with every objection answered, the results are final and each top
    grade gives its priorities."""
    require_province_admin(actor)
    today = timezone.localdate()
    with transaction.atomic():
        current = _locked_year(year)
        if current.status != YearStatus.PUBLICITY:
            raise ValidationError(_("只能在公示后公布最终结果"))
        if current.publicity_end is None or today <= current.publicity_end:
            raise ValidationError(
                _("公示期至 %(d)s，公示期满后方可公布最终结果")
                % {"d": formats.day(current.publicity_end)}
            )
        open_objections = Objection.objects.filter(
            assessment__year=current, answered_at__isnull=True
        ).count()
        if open_objections:
            raise ValidationError(
                _("尚有 %(n)s 条异议未答复，不能公布最终结果") % {"n": open_objections}
            )
        result = update_object(
            actor=actor,
            instance=current,
            data={"status": YearStatus.FINAL, "finalised_at": timezone.now()},
            expected_version=None,
        )
        top = list(
            Assessment.objects.filter(
                year=current, status=AssessmentStatus.CONFIRMED, grade=_policy().top_grade
            ).select_related("user", "year")
        )
        rows = Priority.objects.bulk_create(priorities_for(top, today), batch_size=1000)
        audit.record_many(
            actor=actor,
            action=AuditAction.CREATE,
            items=[(p, {"area": [None, p.area], "unit": [None, p.unit_id]}) for p in rows],
        )
    return result


def assessment_correct(
    *, actor: User, assessment: Assessment, grade: str, reason: str
) -> Assessment:
    """更正: a final grade changed by the province with its reason; priorities follow."""
    require_province_admin(actor)
    policy = _policy()
    _check_grade(grade, policy)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("更正考核结果须填写更正原因")})
    with transaction.atomic():
        AssessmentYear.objects.select_for_update().filter(pk=assessment.year_id).first()
        current = (
            Assessment.objects.select_for_update()
            .select_related("year", "user")
            .get(pk=assessment.pk)
        )
        if current.year.status != YearStatus.FINAL:
            raise ValidationError(_("结果公布前请在考核流程中修改，无需更正"))
        if current.status != AssessmentStatus.CONFIRMED:
            raise ValidationError(_("不参加考核的人员没有可更正的等次"))
        if grade == current.grade:
            raise ValidationError({"grade": _("更正后的等次与原等次相同")})
        if grade == policy.top_grade:
            _check_cap(current.year, current.group_id)
        old = current.grade
        create_object(
            actor=actor,
            instance=Correction(
                assessment=current,
                old_grade=old,
                new_grade=grade,
                reason=reason,
                corrected_by=actor,
            ),
        )
        result = update_object(
            actor=actor,
            instance=current,
            data={"grade": grade, "grade_reason": reason},
            expected_version=None,
        )
        if old == policy.top_grade:
            revoked = list(current.priorities.exclude(status=PriorityStatus.REVOKED))
            current.priorities.filter(pk__in=[p.pk for p in revoked]).update(
                status=PriorityStatus.REVOKED, version=F("version") + 1
            )
            audit.record_many(
                actor=actor,
                action=AuditAction.UPDATE,
                items=[(p, {"status": [p.status, PriorityStatus.REVOKED]}) for p in revoked],
            )
        if grade == policy.top_grade:
            existing = set(current.priorities.values_list("area", flat=True))
            new = [
                p for p in priorities_for([current], timezone.localdate()) if p.area not in existing
            ]
            current.priorities.filter(area__in=existing).update(status=PriorityStatus.OPEN)
            Priority.objects.bulk_create(new)
            audit.record_many(
                actor=actor,
                action=AuditAction.CREATE,
                items=[(p, {"area": [None, p.area]}) for p in new],
            )
        # The letter says the old grade: it is written again on its next download.
        Letter.objects.filter(assessment=current).update(file="")
    return result


def priority_record(
    *,
    actor: User,
    priority: Priority,
    applied: bool,
    note: str,
    expected_version: int | None = None,
) -> Priority:
    """The unit contact records that a priority was applied (e.g. "2026年职称评聘，同等条件
    优先"), or why it was not."""
    if not access.can_record(actor, priority):
        raise PermissionDeniedError(_("只有该人员所在单位的联络人可以登记落实情况"))
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": _("请填写落实情况说明（如何时、何事项中优先考虑，或未落实的原因）")}
        )
    with transaction.atomic():
        current = Priority.objects.select_for_update().get(pk=priority.pk)
        if current.status == PriorityStatus.REVOKED:
            raise ValidationError(_("该优先事项已因考核结果更正而撤销"))
        return update_object(
            actor=actor,
            instance=current,
            data={
                "status": PriorityStatus.APPLIED if applied else PriorityStatus.NOT_APPLIED,
                "application_note": note,
                "recorded_by": actor,
                "recorded_at": timezone.now(),
            },
            expected_version=expected_version,
        )


# --- notice letters ---------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def letters_ensure(year: AssessmentYear) -> list[Letter]:
    """Number every graded person's letter of a final year (idempotent); returns them all."""
    prefix = _policy().letter_number_prefix
    rows = list(
        Assessment.objects.filter(year=year, status=AssessmentStatus.CONFIRMED)
        .filter(letter__isnull=True)
        .order_by("group_id", "user__full_name", "pk")
        .values_list("pk", flat=True)
    )
    last = (
        Letter.objects.filter(assessment__year=year)
        .order_by("-serial")
        .values_list("serial", flat=True)
        .first()
        or 0
    )
    Letter.objects.bulk_create(
        [
            Letter(
                assessment_id=pk,
                serial=last + i,
                number=f"{prefix}〔{year.year}〕{last + i:03d}号",
                code=new_code(),
            )
            for i, pk in enumerate(rows, start=1)
        ]
    )
    return list(
        Letter.objects.filter(assessment__year=year).select_related(
            "assessment__user", "assessment__unit", "assessment__group", "assessment__year"
        )
    )


def _write(letter: Letter, areas: list[tuple[str, dt.date]]) -> None:
    from handinhand.incentives.documents import letter_docx

    content = letter_docx(letter, letter.assessment, areas)
    if letter.file:
        letter.file.delete(save=False)
    letter.file.save("letter.docx", ContentFile(content), save=False)
    Letter.objects.filter(pk=letter.pk).update(file=letter.file.name)


def letter_write(letter: Letter) -> Letter:
    """Write one letter now (a download of a letter not yet, or no longer, written)."""
    areas = list(
        letter.assessment.priorities.exclude(status=PriorityStatus.REVOKED).values_list(
            "area", "valid_until"
        )
    )
    _write(letter, areas)
    return letter


def letters_start(*, actor: User, year: AssessmentYear) -> LetterJob:
    require_province_admin(actor)
    if year.status != YearStatus.FINAL:
        raise ValidationError(_("考核结果公布后方可生成通知书"))
    from handinhand.incentives.tasks import generate_letters

    with transaction.atomic():
        total = Assessment.objects.filter(year=year, status=AssessmentStatus.CONFIRMED).count()
        job = job_enqueue(
            actor=actor,
            model=LetterJob,
            task=generate_letters,
            total=total,
            params={"year": year.pk},
        )
        audit.record(
            actor=actor, action=AuditAction.CREATE, instance=job, changes={"total": [None, total]}
        )
    return job


def letters_run(job_id: int) -> LetterJob:
    """Write every letter of the job's year, recording progress on the shared job row."""
    job: LetterJob = LetterJob.objects.get(pk=job_id)
    started = time.perf_counter()
    job_running(job)
    try:
        letters = letters_ensure(job.year)
        job_progress(job, 0, len(letters))
        priorities: dict[int, list[Priority]] = defaultdict(list)
        for p in Priority.objects.filter(assessment__year=job.year).exclude(
            status=PriorityStatus.REVOKED
        ):
            priorities[p.assessment_id].append(p)
        for done, letter in enumerate(letters, start=1):
            _write(letter, [(p.area, p.valid_until) for p in priorities[letter.assessment_id]])
            if done % PROGRESS_EVERY == 0 or done == len(letters):
                job_progress(job, done)
    except Exception as exc:  # the page shows why, instead of a bar that never moves
        job_fail(job, exc)
        raise
    seconds = round(time.perf_counter() - started, 2)
    job_finish(
        job,
        result={"seconds": seconds},
        message=_("已生成通知书 %(n)s 份，用时 %(t)s 秒。") % {"n": len(letters), "t": seconds},
    )
    job.refresh_from_db()
    return job
