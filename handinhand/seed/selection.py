"""Synthetic selection rounds and batch plans (issue 11), consistent with DESIGN §1: the pilot
batch's closed round chose 南昌大学, 华东交通大学 and 江西财经大学 from the universities with
recognitions; the pilot's plan covers its three cities from the first meeting (5月7日); a later
batch in preparation (筹备中) plans the next cities and has its own round open. Rows are written
directly (a data generator, not a user action), with fixed times so that seeds compare."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from handinhand.accounts.models import Role, User
from handinhand.orgs.models import Region, University
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    SelectionDecision,
    SelectionOutcome,
    SelectionRound,
    SelectionStatus,
)
from handinhand.programme.pilot import PILOT_PAIRS
from handinhand.programme.selection import recognition_text
from handinhand.seed.jiangxi import BATCHES, LATER_PAIRS
from handinhand.seed.registry import step

BASIS = "从全省党建工作示范校、标杆院系、样板支部中优选党建工作质量高的高校牵头开展指导工作"
SELECTED_REASON = "{name}为全省党建工作示范校，{units}等获评标杆院系、样板支部，党建工作质量高"
LATER_REASON = "党建工作基础扎实，拟作为后续批次牵头高校，本批次暂不安排"


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _next_month_start(today: dt.date, months: int) -> dt.date:
    month = today.month - 1 + months
    return dt.date(today.year + month // 12, month % 12 + 1, 1)


@step(order=15)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if SelectionRound.objects.exists():
        return {}
    admin = User.objects.filter(role_assignments__role=Role.PROVINCE_ADMIN).order_by("pk").first()
    pilot = Batch.objects.filter(number=1).first()
    if admin is None or pilot is None:
        return {}
    today = timezone.localdate()
    universities = {
        u.name: u for u in University.objects.prefetch_related("recognitions").order_by("code")
    }
    rounds = decisions = 0
    with transaction.atomic():
        # Plans: the pilot from its first meeting; later batches from LATER_PAIRS.
        plans: list[tuple[Batch, list[str], list[str]]] = []
        pilot.planned_start = dt.date(pilot.start_year, 5, 7)
        pilot.planned_end = dt.date(pilot.start_year + 2, 12, 31)
        pilot.status = BatchStatus.ACTIVE
        pilot.save(update_fields=["planned_start", "planned_end", "status"])
        plans.append(
            (pilot, [p.paired_city for p in PILOT_PAIRS], [p.university for p in PILOT_PAIRS])
        )
        for number, pairs in sorted(LATER_PAIRS.items()):
            batch = Batch.objects.filter(number=number).first()
            if batch is None:
                if number != 2:
                    continue
                # The pilot workload holds the pilot alone: its next batch is in preparation.
                name, _year, _status = BATCHES[number]
                start = _next_month_start(today, 3)
                batch = Batch.objects.create(
                    number=number,
                    name=name,
                    start_year=start.year,
                    status=BatchStatus.PLANNED,
                    description=f"{name}：筹备中，计划{start.year}年{start.month}月启动",
                )
            if batch.status == BatchStatus.PLANNED:
                batch.planned_start = _next_month_start(today, 3)
                batch.planned_end = dt.date(batch.planned_start.year + 2, 12, 31)
            else:
                batch.planned_start = dt.date(batch.start_year, 3, 1)
                batch.planned_end = dt.date(batch.start_year + 2, 12, 31)
            batch.save(update_fields=["planned_start", "planned_end"])
            plans.append((batch, [c for _u, c in pairs], [u for u, _c in pairs]))

        later = {u for pairs in LATER_PAIRS.values() for u, _c in pairs}
        for batch, cities, named in plans:
            # The named universities are Jiangxi's: another province's seed (its own policy
            # file) has none of them, and its batches get no seeded round.
            chosen = [n for n in named if n in universities]
            if not chosen:
                continue
            batch.target_regions.set(Region.objects.filter(code__in=cities))
            start = batch.planned_start or dt.date(batch.start_year, 3, 1)
            opened = _aware(start - dt.timedelta(days=60))
            open_round = batch.status == BatchStatus.PLANNED
            selection = SelectionRound.objects.create(
                batch=batch,
                title=f"{batch.name}牵头高校遴选",
                basis=BASIS,
                status=SelectionStatus.OPEN if open_round else SelectionStatus.CLOSED,
                opened_by=admin,
                opened_at=min(opened, timezone.now()),
                closed_by=None if open_round else admin,
                closed_at=None if open_round else _aware(start, 9),
            )
            rounds += 1
            # An open round has its first two decisions; a closed one decided every recognised
            # university: the chosen ones, and the later batches' universities not yet.
            considered = [u for u in universities.values() if u.recognitions.all()]
            if open_round:
                considered = [u for u in considered if u.name in chosen][:2]
            for i, uni in enumerate(considered):
                picked = uni.name in chosen
                units = "、".join(r.unit_name for r in list(uni.recognitions.all())[1:3])
                SelectionDecision.objects.create(
                    selection=selection,
                    university=uni,
                    outcome=SelectionOutcome.SELECTED if picked else SelectionOutcome.REJECTED,
                    reason=SELECTED_REASON.format(name=uni.name, units=units)
                    if picked
                    else LATER_REASON
                    if uni.name in later
                    else "已牵头其他批次指导工作",
                    recognitions=recognition_text(uni.recognitions.all()),
                    decided_by=admin,
                    decided_at=min(opened + dt.timedelta(days=7, hours=i), timezone.now()),
                )
                decisions += 1
            if not open_round:
                batch.lead_universities.set([universities[n] for n in chosen])
    return {"selection rounds": rounds, "selection decisions": decisions}
