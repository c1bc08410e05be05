"""遴选 and the rollout plan (issue 11): the province chooses a batch's lead universities, plans
the batch (target cities, dates, status), and decides a handover when a city paired in a batch
in force is paired again. Every write is the province's, audited, in a transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.models import AuditAction
from handinhand.core.services import create_object, require_province_admin, update_object
from handinhand.orgs.models import Region, RegionLevel, University, UniversityRecognition
from handinhand.programme.models import (
    Batch,
    GroupLevel,
    GuidanceGroup,
    SelectionDecision,
    SelectionOutcome,
    SelectionRound,
    SelectionStatus,
)

# --- selection rounds (遴选) ------------------------------------------------------------------


def recognition_text(recognitions: Iterable[UniversityRecognition]) -> str:
    """The grounds as one line (示范校、标杆院系、样板支部 with unit and year), kept on the
    decision so that the record says what the province decided on."""
    return "；".join(f"{r.kind}：{r.unit_name}（{r.year}）" for r in recognitions)


def selection_open(*, actor: User, batch: Batch, title: str, basis: str = "") -> SelectionRound:
    require_province_admin(actor)
    if SelectionRound.objects.filter(batch=batch, status=SelectionStatus.OPEN).exists():
        raise ValidationError(_("该批次已有进行中的遴选，请先办结"))
    return create_object(
        actor=actor,
        instance=SelectionRound(
            batch=batch, title=title.strip(), basis=basis.strip(), opened_by=actor
        ),
    )


def selection_decide(
    *,
    actor: User,
    selection: SelectionRound,
    university: University,
    outcome: str,
    reason: str,
) -> SelectionDecision:
    """Record 入选 or 未入选 for one university with its reason; once per round."""
    require_province_admin(actor)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if outcome not in SelectionOutcome.values:
        errors["outcome"] = _("请选择入选或未入选")
    if not reason:
        errors["reason"] = _("请填写决定理由")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locked so that two admins deciding at once cannot both pass the checks below.
        current = SelectionRound.objects.select_for_update().get(pk=selection.pk)
        if current.status != SelectionStatus.OPEN:
            raise ValidationError(_("本轮遴选已办结，不能再作决定"))
        earlier = SelectionDecision.objects.filter(selection=current, university=university).first()
        if earlier is not None:
            raise ValidationError(
                {
                    "university": _(
                        "%(university)s 在本轮遴选中已有决定（%(outcome)s），不能重复决定"
                    )
                    % {"university": university.name, "outcome": earlier.get_outcome_display()}
                }
            )
        decision = create_object(
            actor=actor,
            instance=SelectionDecision(
                selection=current,
                university=university,
                outcome=outcome,
                reason=reason,
                recognitions=recognition_text(university.recognitions.all()),
                decided_by=actor,
            ),
        )
    return decision


def selection_close(
    *, actor: User, selection: SelectionRound, expected_version: int | None
) -> SelectionRound:
    """Close the round: its selected universities become the batch's lead universities."""
    require_province_admin(actor)
    with transaction.atomic():
        # Locked: a decision recorded meanwhile waits, and is then refused as too late.
        current = SelectionRound.objects.select_for_update().get(pk=selection.pk)
        if current.status != SelectionStatus.OPEN:
            raise ValidationError(_("本轮遴选已办结"))
        chosen = list(
            University.objects.filter(
                pk__in=current.decisions.filter(outcome=SelectionOutcome.SELECTED).values(
                    "university_id"
                )
            ).order_by("code")
        )
        if not chosen:
            raise ValidationError(_("尚无入选高校，不能办结遴选"))
        closed = update_object(
            actor=actor,
            instance=current,
            data={
                "status": SelectionStatus.CLOSED,
                "closed_by": actor,
                "closed_at": timezone.now(),
            },
            expected_version=expected_version,
        )
        batch = closed.batch
        before = sorted(batch.lead_universities.values_list("name", flat=True))
        batch.lead_universities.add(*chosen)
        after = sorted(batch.lead_universities.values_list("name", flat=True))
        if before != after:
            Batch.objects.filter(pk=batch.pk).update(version=F("version") + 1)
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=batch,
                changes={"lead_universities": [before, after]},
            )
    return closed


def lead_warnings(group: GuidanceGroup) -> list[str]:
    """Why a provincial group's lead university needs a second look: not chosen in a round for
    its batch, or without any recognition. A warning, not a refusal: the province may have
    reasons the record does not yet hold."""
    if group.level != GroupLevel.PROVINCE or group.lead_university_id is None:
        return []
    uni = group.lead_university
    if uni is None:
        return []
    # One query for the three facts, whatever the page already loaded.
    facts = (
        University.objects.filter(pk=uni.pk)
        .annotate(
            chosen=Exists(
                Batch.lead_universities.through.objects.filter(
                    batch_id=group.batch_id, university_id=OuterRef("pk")
                )
            ),
            rejected=Exists(
                SelectionDecision.objects.filter(
                    selection__batch_id=group.batch_id,
                    university_id=OuterRef("pk"),
                    outcome=SelectionOutcome.REJECTED,
                )
            ),
            recognised=Exists(UniversityRecognition.objects.filter(university_id=OuterRef("pk"))),
        )
        .values("chosen", "rejected", "recognised")
        .get()
    )
    warnings: list[str] = []
    if not facts["chosen"]:
        warnings.append(
            _("%(university)s 在本批次遴选中未入选") % {"university": uni.name}
            if facts["rejected"]
            else _("%(university)s 未经本批次牵头高校遴选") % {"university": uni.name}
        )
    if not facts["recognised"]:
        warnings.append(
            _("%(university)s 无党建工作示范校、标杆院系或样板支部认定") % {"university": uni.name}
        )
    return warnings


# --- the batch's plan -------------------------------------------------------------------------

PLAN_FIELDS = ("planned_start", "planned_end", "status", "description")


def batch_plan_update(
    *,
    actor: User,
    batch: Batch,
    data: dict[str, Any],
    target_regions: Iterable[Region],
    expected_version: int | None,
) -> Batch:
    """The batch's plan: dates, status and target regions (cities or counties)."""
    require_province_admin(actor)
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    regions = list(target_regions)
    wrong = [r.name for r in regions if r.level == RegionLevel.PROVINCE]
    if wrong:
        raise ValidationError({"target_regions": _("目标地区应为设区市或县（市、区）")})
    with transaction.atomic():
        batch = update_object(
            actor=actor, instance=batch, data=data, expected_version=expected_version
        )
        before = sorted(batch.target_regions.values_list("name", flat=True))
        batch.target_regions.set(regions)
        after = sorted(r.name for r in regions)
        if before != after:
            # The targets are part of the plan: the next stale form conflicts.
            Batch.objects.filter(pk=batch.pk).update(version=F("version") + 1)
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=batch,
                changes={"target_regions": [before, after]},
            )
            batch.refresh_from_db()
    return batch
