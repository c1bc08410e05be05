"""Writes of a research call (R11): the call, applications and their team and files, unit
recommendation, reviewer assignment and scores, ranking by the allocation rule, overrides,
publication and the follow-up of approved projects.

Every function validates, writes in one transaction and records the audit event; views and
the API call these and nothing else.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.policy import ResearchPolicy, get_policy
from handinhand.core.services import create_object, require_province_admin, update_object
from handinhand.core.uploads import check_upload
from handinhand.research import access
from handinhand.research.allocation import Candidate, allocate
from handinhand.research.eligibility import memberships_on
from handinhand.research.models import (
    ApplicationFile,
    AppStatus,
    CallStatus,
    FilePurpose,
    ResearchApplication,
    ResearchCall,
    ReviewAssignment,
    Stage,
    TeamMember,
)


def _policy() -> ResearchPolicy:
    return get_policy().research


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _deny(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


# --- calls -----------------------------------------------------------------------------------


def call_create(
    *,
    actor: User,
    catalogue: str,
    year: int,
    title: str,
    topic_guide: str,
    deadline: dt.date,
    places: int,
    separate_quota: int | None = None,
) -> ResearchCall:
    """Publish a call (课题申报通知) with the research policy of the day copied onto it."""
    require_province_admin(actor)
    policy = _policy()
    errors: dict[str, str] = {}
    if catalogue not in policy.catalogues:
        errors["catalogue"] = _("申报目录须为：%(c)s") % {"c": "、".join(policy.catalogues)}
    if places < 1:
        errors["places"] = _("立项总数须为正整数")
    if separate_quota is None:
        separate_quota = min(policy.quota_per_call, max(places, 0)) if policy.separate_quota else 0
    if separate_quota < 0:
        errors["separate_quota"] = _("单列计划名额不能为负数")
    elif separate_quota > places:
        errors["separate_quota"] = _("单列计划名额（%(q)s）不能超过立项总数（%(p)s）") % {
            "q": separate_quota,
            "p": places,
        }
    if deadline < timezone.localdate():
        errors["deadline"] = _("申报截止日期不能早于今天")
    if errors:
        raise ValidationError(errors)
    call = ResearchCall(
        catalogue=catalogue,
        year=year,
        title=title.strip(),
        topic_guide=topic_guide.strip(),
        deadline=deadline,
        places=places,
        separate_quota=separate_quota,
        unit_recommendation=policy.unit_recommendation,
        blind_review=policy.blind_review,
        priority_approval=policy.priority_approval,
        applications_per_person=policy.applications_per_person,
        allow_multiple_teams=policy.allow_multiple_teams,
        rubric=[item.model_dump() for item in policy.rubric],
        min_score=Decimal(str(policy.min_score)),
        tie_tolerance=Decimal(str(policy.tie_tolerance)),
        midterm_months=policy.midterm_months,
        closing_months=policy.closing_months,
        created_by=actor,
    )
    return create_object(actor=actor, instance=call)


# --- applications ----------------------------------------------------------------------------


def _reviewer_ids(call: ResearchCall) -> set[int]:
    return set(
        ReviewAssignment.objects.filter(application__call=call).values_list(
            "reviewer_id", flat=True
        )
    )


def _check_people(
    *,
    call: ResearchCall,
    applicant: User,
    team: Sequence[User],
    application: ResearchApplication | None,
) -> None:
    """The policy's limits on people: nobody in the team twice or as the applicant; no
    reviewer of the call in a team; one person in one team of the call unless allowed."""
    ids = [u.pk for u in team]
    if len(set(ids)) != len(ids) or applicant.pk in ids:
        raise ValidationError({"team": _("课题组成员不能重复，也不能包括申报人本人")})
    reviewers = _reviewer_ids(call) & ({applicant.pk, *ids})
    if reviewers:
        names = "、".join(str(u) for u in [applicant, *team] if u.pk in reviewers)
        raise ValidationError(
            {"team": _("%(n)s 是本次申报的评审专家，不能参加课题组") % {"n": names}}
        )
    if call.allow_multiple_teams:
        return
    others = ResearchApplication.objects.filter(call=call)
    if application is not None:
        others = others.exclude(pk=application.pk)
    taken = set(
        TeamMember.objects.filter(call=call, user_id__in=[applicant.pk, *ids])
        .exclude(application=application)
        .values_list("user_id", flat=True)
    ) | set(others.filter(applicant_id__in=ids).values_list("applicant_id", flat=True))
    if taken:
        names = "、".join(str(u) for u in [applicant, *team] if u.pk in taken)
        raise ValidationError(
            {"team": _("%(n)s 已参加本次申报的其他课题组，每人限参加一个课题组") % {"n": names}}
        )


def _check_budget(budget: Any) -> Decimal:
    try:
        value = Decimal(str(budget))
    except (InvalidOperation, ValueError):
        raise ValidationError({"budget": _("经费预算须为金额")}) from None
    if value < 0 or not value.is_finite():
        raise ValidationError({"budget": _("经费预算不能为负数")})
    return value.quantize(Decimal("0.01"))


def _set_team(application: ResearchApplication, team: Sequence[User]) -> None:
    TeamMember.objects.filter(application=application).exclude(
        user_id__in=[u.pk for u in team]
    ).delete()
    have = set(application.team.values_list("user_id", flat=True))
    TeamMember.objects.bulk_create(
        TeamMember(application=application, call_id=application.call_id, user=u)
        for u in team
        if u.pk not in have
    )


def application_create(
    *,
    actor: User,
    call: ResearchCall,
    title: str,
    direction: str,
    plan: str,
    budget: Decimal,
    team: Sequence[User] = (),
) -> ResearchApplication:
    """A draft application by `actor`; the deadline and the per-person limit apply now."""
    _deny(access.can_apply(actor, call), _("该申报通知不在申报期内"))
    with transaction.atomic():
        # Serialise the applicant's applications to this call: two tabs cannot both pass.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        mine = ResearchApplication.objects.filter(call=call, applicant=actor).count()
        if mine >= call.applications_per_person:
            raise ValidationError(
                _("每人每次限申报 %(n)s 项，您已申报 %(m)s 项")
                % {"n": call.applications_per_person, "m": mine}
            )
        _check_people(call=call, applicant=actor, team=team, application=None)
        application = ResearchApplication(
            call=call,
            applicant=actor,
            unit_id=actor.unit_id,
            title=title.strip(),
            direction=direction.strip(),
            plan=plan.strip(),
            budget=_check_budget(budget),
        )
        application = create_object(actor=actor, instance=application)
        _set_team(application, team)
        if team:
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=application,
                changes={"team": [[], [str(u) for u in team]]},
            )
    return application


def application_update(
    *,
    actor: User,
    application: ResearchApplication,
    title: str,
    direction: str,
    plan: str,
    budget: Decimal,
    team: Sequence[User],
    expected_version: int | None,
) -> ResearchApplication:
    _deny(access.can_edit(actor, application), _("该申报书当前不能修改"))
    with transaction.atomic():
        before = sorted(str(m.user) for m in application.team.select_related("user"))
        _check_people(call=application.call, applicant=actor, team=team, application=application)
        updated = update_object(
            actor=actor,
            instance=application,
            data={
                "title": title.strip(),
                "direction": direction.strip(),
                "plan": plan.strip(),
                "budget": _check_budget(budget),
            },
            expected_version=expected_version,
        )
        _set_team(updated, team)
        after = sorted(str(u) for u in team)
        if before != after:
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=updated,
                changes={"team": [before, after]},
            )
    return updated


def file_add(
    *, actor: User, application: ResearchApplication, upload: UploadedFile[Any], purpose: str
) -> ApplicationFile:
    """A file of the application (while it is editable) or of its follow-up (when approved);
    its type is read from its bytes by the project's one upload checker."""
    if purpose == FilePurpose.APPLICATION:
        _deny(access.can_edit(actor, application), _("该申报书当前不能修改"))
    else:
        _deny(access.can_follow_up(actor, application), _("仅立项课题的负责人可上传材料"))
    kind = check_upload(upload, module="research")
    row = ApplicationFile(
        application=application,
        purpose=purpose,
        file=upload,
        name=(upload.name or "file")[-200:],
        kind=kind,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    with transaction.atomic():
        row.full_clean()
        row.save(force_insert=True)
        after = {k: v for k, v in audit.snapshot(row).items() if k != "file"}
        after["file"] = row.file.name or ""
        audit.record(
            actor=actor, action=AuditAction.CREATE, instance=row, changes=audit.diff({}, after)
        )
    return row


def _move(
    *,
    actor: User,
    application: ResearchApplication,
    sources: Sequence[str],
    data: dict[str, Any],
) -> ResearchApplication:
    current = ResearchApplication.objects.select_for_update().get(pk=application.pk)
    if current.status not in sources:
        raise ValidationError(
            _("申报书当前状态为“%(s)s”，不能执行此操作") % {"s": current.get_status_display()}
        )
    return update_object(actor=actor, instance=current, data=data, expected_version=None)


def application_submit(*, actor: User, application: ResearchApplication) -> ResearchApplication:
    """Submit before the deadline; to the unit contact, or straight to review where the call
    has no recommendation step."""
    if application.applicant_id == actor.pk and not application.call.is_accepting:
        raise ValidationError(_("申报已截止，不能再提交"))
    _deny(access.can_edit(actor, application), _("该申报书当前不能提交"))
    target = AppStatus.SUBMITTED if application.call.unit_recommendation else AppStatus.RECOMMENDED
    with transaction.atomic():
        return _move(
            actor=actor,
            application=application,
            sources=[AppStatus.DRAFT, AppStatus.RETURNED],
            data={
                "status": target,
                "submitted_at": timezone.now(),
                "unit_id": actor.unit_id,
                "return_reason": "",
            },
        )


def application_recommend(
    *, actor: User, application: ResearchApplication, recommend: bool, reason: str = ""
) -> ResearchApplication:
    """单位推荐: the unit contact recommends, or returns the application with a reason."""
    _deny(access.can_recommend(actor, application), _("仅申报人所在单位的联络人可推荐"))
    if not recommend and not reason.strip():
        raise ValidationError({"reason": _("退回须说明原因")})
    data: dict[str, Any] = (
        {
            "status": AppStatus.RECOMMENDED,
            "recommended_by": actor,
            "recommended_at": timezone.now(),
        }
        if recommend
        else {"status": AppStatus.RETURNED, "return_reason": reason.strip()}
    )
    with transaction.atomic():
        return _move(actor=actor, application=application, sources=[AppStatus.SUBMITTED], data=data)


# --- expert review ---------------------------------------------------------------------------


def review_assign(
    *, actor: User, application: ResearchApplication, reviewer: User
) -> ReviewAssignment:
    """The province assigns a reviewer: never from the applicant's unit, never someone in a
    team (or the applicant) of the same call."""
    require_province_admin(actor)
    _deny(access.can_assign(actor, application), _("该申报书当前不能分配评审专家"))
    applicant_unit = application.unit_id or application.applicant.unit_id
    if reviewer.pk == application.applicant_id:
        raise ValidationError({"reviewer": _("申报人不能评审本人的课题")})
    if reviewer.unit_id is not None and reviewer.unit_id == applicant_unit:
        raise ValidationError(
            {"reviewer": _("%(r)s 与申报人同属一个单位，应当回避") % {"r": reviewer}}
        )
    call = application.call
    in_team = (
        TeamMember.objects.filter(call=call, user=reviewer).exists()
        or ResearchApplication.objects.filter(call=call, applicant=reviewer).exists()
    )
    if in_team:
        raise ValidationError(
            {"reviewer": _("%(r)s 参加了本次申报的课题组，不能担任评审专家") % {"r": reviewer}}
        )
    row = ReviewAssignment(application=application, reviewer=reviewer, assigned_by=actor)
    return create_object(actor=actor, instance=row)


def review_submit(
    *,
    actor: User,
    review: ReviewAssignment,
    scores: dict[str, Any],
    comment: str = "",
) -> ReviewAssignment:
    """The reviewer's scores on the call's rubric, each between 0 and the item's maximum."""
    _deny(access.can_review(actor, review), _("仅分配的评审专家可评分"))
    rubric = review.application.call.rubric
    clean: dict[str, str] = {}
    errors: list[str] = []
    total = Decimal(0)
    for item in rubric:
        name, top = item["name"], Decimal(str(item["max_score"]))
        raw = scores.get(name)
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors.append(_("请填写“%(n)s”的得分") % {"n": name})
            continue
        if raw is None or not value.is_finite() or value < 0 or value > top:
            errors.append(_("“%(n)s”的得分须在 0 到 %(m)s 之间") % {"n": name, "m": f"{top:g}"})
            continue
        clean[name] = str(value)
        total += value
    unknown = set(scores) - {item["name"] for item in rubric}
    if unknown:
        errors.append(_("评分细则中没有：%(n)s") % {"n": "、".join(sorted(unknown))})
    if errors:
        raise ValidationError({"scores": errors})
    with transaction.atomic():
        return update_object(
            actor=actor,
            instance=review,
            data={
                "scores": clean,
                "total": total.quantize(Decimal("0.01")),
                "comment": comment.strip(),
                "submitted_at": timezone.now(),
            },
            expected_version=None,
        )


# --- ranking and decision --------------------------------------------------------------------


def _scores(call: ResearchCall) -> dict[int, Decimal]:
    """Average of the submitted reviews per application (one query)."""
    totals: dict[int, list[Decimal]] = defaultdict(list)
    for app_id, total in ReviewAssignment.objects.filter(
        application__call=call, submitted_at__isnull=False
    ).values_list("application_id", "total"):
        if total is not None:
            totals[app_id].append(total)
    return {
        pk: (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
        for pk, values in totals.items()
    }


def rank_fill(call: ResearchCall, *, audit_actor: User | None) -> int:
    """Scores, eligibility and the proposed list written in bulk for a call's recommended
    applications (also used by the synthetic workloads, which audit without an actor)."""
    rows = list(
        ResearchApplication.objects.filter(call=call, status=AppStatus.RECOMMENDED).only(
            "pk", "applicant_id", "approved", "proposed_pool"
        )
    )
    scores = _scores(call)
    evidence = memberships_on([r.applicant_id for r in rows], call.deadline)
    proposals = {
        p.id: p
        for p in allocate(
            [
                Candidate(id=r.pk, score=scores.get(r.pk), eligible=bool(evidence[r.applicant_id]))
                for r in rows
            ],
            places=call.places,
            quota=call.separate_quota,
            min_score=call.min_score,
            tolerance=call.tie_tolerance,
            priority=call.priority_approval,
        )
    }
    items = []
    for r in rows:
        p = proposals[r.pk]
        old = (r.approved, r.proposed_pool)
        r.score = scores.get(r.pk)
        r.eligible = bool(evidence[r.applicant_id])
        r.eligibility_evidence = evidence[r.applicant_id]
        r.proposed_pool = str(p.pool)
        r.proposed_rank = p.rank or None
        r.proposed_reason = p.reason[:200]
        r.approved = p.approved
        r.override_reason = ""
        r.overridden_by = None
        items.append(
            (
                r,
                {
                    "approved": [old[0], r.approved],
                    "proposed_pool": [old[1], r.proposed_pool],
                    "proposed_reason": [None, r.proposed_reason],
                },
            )
        )
    ResearchApplication.objects.bulk_update(
        rows,
        [
            "score",
            "eligible",
            "eligibility_evidence",
            "proposed_pool",
            "proposed_rank",
            "proposed_reason",
            "approved",
            "override_reason",
            "overridden_by",
        ],
        batch_size=1000,
    )
    audit.record_many(actor=audit_actor, action=AuditAction.UPDATE, items=items)
    return len(rows)


def call_rank(*, actor: User, call: ResearchCall) -> ResearchCall:
    """Rank the call's recommended applications by the allocation rule: scores from the
    reviews, eligibility on the deadline date, the proposed list with a reason per place.
    Ranking again (after late reviews) starts over and drops earlier overrides."""
    require_province_admin(actor)
    if call.status == CallStatus.PUBLISHED:
        raise ValidationError(_("立项结果已公布，不能重新排序"))
    if timezone.localdate() <= call.deadline:
        raise ValidationError(_("申报截止后才能生成建议名单"))
    with transaction.atomic():
        call = ResearchCall.objects.select_for_update().get(pk=call.pk)
        rank_fill(call, audit_actor=actor)
        call = update_object(
            actor=actor,
            instance=call,
            data={"status": CallStatus.REVIEW, "ranked_at": timezone.now()},
            expected_version=None,
        )
    return call


def decision_override(
    *, actor: User, application: ResearchApplication, approved: bool, reason: str
) -> ResearchApplication:
    """The province changes one proposed place, with its reason (audited)."""
    require_province_admin(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("调整建议名单须说明理由")})
    call = application.call
    if call.status != CallStatus.REVIEW or call.ranked_at is None:
        raise ValidationError(_("须在生成建议名单后、公布立项结果前调整"))
    if application.status != AppStatus.RECOMMENDED:
        raise ValidationError(_("该申报书不在建议名单中"))
    if application.approved == approved:
        raise ValidationError(_("调整后的结果与现在相同"))
    with transaction.atomic():
        return update_object(
            actor=actor,
            instance=application,
            data={
                "approved": approved,
                "override_reason": reason.strip(),
                "overridden_by": actor,
            },
            expected_version=None,
        )


def call_publish(*, actor: User, call: ResearchCall) -> ResearchCall:
    """公布立项结果: approved applications become projects with their follow-up dates."""
    require_province_admin(actor)
    if call.status != CallStatus.REVIEW or call.ranked_at is None:
        raise ValidationError(_("须先生成建议名单，才能公布立项结果"))
    today = timezone.localdate()
    with transaction.atomic():
        call = ResearchCall.objects.select_for_update().get(pk=call.pk)
        rows = list(ResearchApplication.objects.filter(call=call, status=AppStatus.RECOMMENDED))
        approved = sum(1 for r in rows if r.approved)
        if approved > call.places:
            raise ValidationError(
                _("拟立项 %(a)s 项，超过立项总数 %(p)s 项，请先调整")
                % {"a": approved, "p": call.places}
            )
        for r in rows:
            if r.approved:
                r.status, r.stage, r.approved_on = AppStatus.APPROVED, Stage.APPROVED, today
                r.midterm_due = add_months(today, call.midterm_months)
                r.closing_due = add_months(today, call.closing_months)
            else:
                r.status = AppStatus.REJECTED
        ResearchApplication.objects.bulk_update(
            rows, ["status", "stage", "approved_on", "midterm_due", "closing_due"], batch_size=1000
        )
        audit.record_many(
            actor=actor,
            action=AuditAction.UPDATE,
            items=[
                (r, {"status": [str(AppStatus.RECOMMENDED.label), str(r.get_status_display())]})
                for r in rows
            ],
        )
        return update_object(
            actor=actor,
            instance=call,
            data={"status": CallStatus.PUBLISHED, "published_at": timezone.now()},
            expected_version=None,
        )


# --- follow-up -------------------------------------------------------------------------------


def project_report(
    *, actor: User, application: ResearchApplication, upload: UploadedFile[Any] | None = None
) -> ResearchApplication:
    """The project's next step: 立项 → 中期检查 → 结题, each with its date and material."""
    _deny(access.can_follow_up(actor, application), _("仅立项课题的负责人可提交材料"))
    steps = {
        Stage.APPROVED: (Stage.MIDTERM, "midterm_on", FilePurpose.MIDTERM),
        Stage.MIDTERM: (Stage.CLOSED, "closed_on", FilePurpose.CLOSING),
    }
    if application.stage not in steps:
        raise ValidationError(_("该课题已结题"))
    target, date_field, purpose = steps[Stage(application.stage)]
    with transaction.atomic():
        if upload is not None:
            file_add(actor=actor, application=application, upload=upload, purpose=purpose)
        elif not application.files.filter(purpose=purpose).exists():
            raise ValidationError({"file": _("请上传%(p)s") % {"p": purpose.label}})
        return update_object(
            actor=actor,
            instance=application,
            data={"stage": target, date_field: timezone.localdate()},
            expected_version=None,
        )


def people_in_calls(call: ResearchCall) -> set[int]:
    """Everyone in a team (or applying) in `call`: the reviewers' conflict list."""
    return set(TeamMember.objects.filter(call=call).values_list("user_id", flat=True)) | set(
        ResearchApplication.objects.filter(call=call).values_list("applicant_id", flat=True)
    )
