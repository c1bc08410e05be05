"""Synthetic guidance work on top of the programme's structure: a year of visits (≈ 4 per
guided school: ≈ 50,000 at province scale). Bulk inserts, reproducible from the seed."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from handinhand.accounts.models import Role, RoleAssignment
from handinhand.core.bulkload import copy_rows
from handinhand.core.policy import get_policy
from handinhand.guidance.models import (
    Finding,
    Rectification,
    Verdict,
    Visit,
    VisitSchool,
    VisitStatus,
)
from handinhand.guidance.services import refresh_visit_counts
from handinhand.orgs.models import School
from handinhand.programme.models import DistrictSchool, Membership, Pairing
from handinhand.seed.registry import step

VISITS_PER_SCHOOL = 4.2
BATCH = 5000
TOPICS = ("“三会一课”规范化", "主题党日活动", "党建带团建", "思政课一体化", "支部标准化建设")


def _guided_pairs() -> list[tuple[int, int]]:
    """(group, school) for every school a group guides: districts first, then paired regions."""
    pairs: dict[int, int] = dict(
        DistrictSchool.objects.values_list("school_id", "district__group_id")
    )
    paths = list(Pairing.objects.values_list("group_id", "region__path").order_by("region__path"))
    for group_id, path in paths:
        for school_id in School.objects.filter(county__path__startswith=path).values_list(
            "pk", flat=True
        ):
            pairs.setdefault(school_id, group_id)
    return sorted((g, s) for s, g in pairs.items())


@step(order=20)
def extend(workload: str, *, seed: int, scale: float) -> dict[str, int]:
    rng = random.Random(f"guidance-{seed}")
    pairs = _guided_pairs()
    members: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pk, group_id, user_id in Membership.objects.current().values_list(
        "pk", "group_id", "user_id"
    ):
        members[group_id].append((pk, user_id))
    pairs = [p for p in pairs if members[p[0]]]
    if not pairs:
        return {"guidance.visit": 0}
    forms = get_policy().guidance.visit_forms
    today = timezone.localdate()
    # The structure is already scaled; a guided school gets about four visits a year.
    total = round(len(pairs) * VISITS_PER_SCHOOL)
    visits: list[Visit] = []
    links: list[tuple[int, int, list[int]]] = []  # (group, school, instructors) per visit
    for _ in range(total):
        group_id, school_id = pairs[rng.randrange(len(pairs))]
        team = rng.sample(members[group_id], k=min(len(members[group_id]), rng.randint(1, 3)))
        day = today - dt.timedelta(days=rng.randint(-30, 364))
        planned = day > today or rng.random() < 0.03
        visits.append(
            Visit(
                group_id=group_id,
                date=day,
                duration_hours=Decimal(rng.choice(("1.0", "2.0", "2.5", "3.0", "4.0"))),
                form=rng.choice(forms),
                status=VisitStatus.PLANNED if planned else VisitStatus.HELD,
                title=rng.choice(TOPICS),
                content="",
                indicators=[],
                created_by_id=team[0][1],
            )
        )
        links.append((group_id, school_id, [m for m, _u in team]))
    through = Visit.instructors.through
    with transaction.atomic():
        for start in range(0, len(visits), BATCH):
            chunk = Visit.objects.bulk_create(visits[start : start + BATCH])
            chunk_links = links[start : start + BATCH]
            # The link tables by COPY on PostgreSQL (core.bulkload): ≈ 2.8 M rows on the nation.
            copy_rows(
                VisitSchool,
                ("visit_id", "school_id", "held_on"),
                (
                    (v.pk, s, v.date if v.status == VisitStatus.HELD else None)
                    for v, (_g, s, _m) in zip(chunk, chunk_links, strict=True)
                ),
            )
            copy_rows(
                through,
                ("visit_id", "membership_id"),
                (
                    (v.pk, m)
                    for v, (_g, _s, team) in zip(chunk, chunk_links, strict=True)
                    for m in team
                ),
            )
        # The coverage pages read the pre-aggregate, which the services keep; the bulk writes
        # above bypass them, so it is recounted here in one INSERT … SELECT.
        counted = refresh_visit_counts()
    findings = _findings(rng, visits, links, today)
    return {
        "guidance.visit": len(visits),
        "guidance.schoolvisitcount": counted,
        "guidance.finding": findings,
    }


FINDINGS_PER_VISIT = 0.42
PROBLEMS = ("“三会一课”记录不全", "主题党日缺少计划", "党员发展材料不规范", "支部手册填写不全")
STATUS_WEIGHTS = (("open", 30), ("answered", 15), ("returned", 5), ("closed", 50))


def _findings(
    rng: random.Random,
    visits: list[Visit],
    links: list[tuple[int, int, list[int]]],
    today: dt.date,
) -> int:
    """About 0.4 findings per held visit (≈ 20,000 at province scale), in every status."""
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    rows = []
    for visit, (group_id, school_id, team) in zip(visits, links, strict=True):
        if visit.status != VisitStatus.HELD or rng.random() >= FINDINGS_PER_VISIT:
            continue
        status = rng.choice(statuses)
        rows.append(
            Finding(
                school_id=school_id,
                group_id=group_id,
                visit_id=visit.pk,
                raised_by_id=team[0],
                problem=rng.choice(PROBLEMS),
                indicator=f"{rng.randint(1, 6)}.{rng.randint(1, 3)}.{rng.randint(1, 4)}",
                severity=rng.choice(("minor", "minor", "major", "serious")),
                found_on=visit.date,
                deadline=visit.date + dt.timedelta(days=rng.choice((15, 30, 60))),
                status=status,
                closed_at=timezone.now() if status == "closed" else None,
            )
        )
    Finding.objects.bulk_create(rows, batch_size=BATCH)
    _answers(rng, rows)
    return len(rows)


MEASURES = ("已补齐相关记录并建立检查制度", "已召开支委会研究整改", "已完善计划并报上级党组织")
RETURN_REASONS = ("佐证材料不全，请补充会议记录照片", "整改措施未落实到人", "缺少支委会研究记录")


def _answers(rng: random.Random, findings: list[Finding]) -> None:
    """A finding past 待整改 has the school's answer, and a returned or closed one its verdict
    (who returned it and why): a returned finding never appears without its reason."""
    school_users = dict(
        RoleAssignment.objects.filter(role=Role.SCHOOL_USER, school__isnull=False)
        .order_by("-pk")
        .values_list("school_id", "user_id")
    )
    raisers = dict(Membership.objects.values_list("pk", "user_id"))
    now = timezone.now()
    answers = []
    for finding in findings:
        if finding.status == "open":
            continue
        reviewer = raisers[finding.raised_by_id]
        verdict = {"returned": Verdict.RETURNED, "closed": Verdict.ACCEPTED}.get(finding.status)
        answers.append(
            Rectification(
                finding_id=finding.pk,
                measures=rng.choice(MEASURES),
                # A school without an account of its own answered through its instructor.
                answered_by_id=school_users.get(finding.school_id, reviewer),
                verdict=verdict or "",
                reason=rng.choice(RETURN_REASONS) if verdict == Verdict.RETURNED else "",
                reviewed_by_id=reviewer if verdict else None,
                reviewed_at=now if verdict else None,
            )
        )
    Rectification.objects.bulk_create(answers, batch_size=BATCH)
