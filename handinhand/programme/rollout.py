"""The path to 全面覆盖 (R2): per batch, in order, the cities and schools covered so far, what
the batches in preparation plan, and which cities remain; and the selection rounds' reads.

Milestones (启动会, 批次启动, 全面推行) belong to the meetings app, above this layer: it registers
them in `core.registry.timeline_events` from its AppConfig.ready(), and the timeline shows
whatever is registered there, already scoped by the provider.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from handinhand.accounts.models import User
from handinhand.core.registry import TimelineEvent, timeline_events
from handinhand.orgs.models import Region, RegionLevel, School, University, UniversityRecognition
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    Pairing,
    SelectionDecision,
    SelectionRound,
)


def milestones(user: User) -> list[TimelineEvent]:
    items = [m for provider in timeline_events.values() for m in provider(user)]
    return sorted(items, key=lambda m: (m.date, m.title))


@dataclass
class RolloutStep:
    batch: Batch
    start: dt.date | None  # planned start, else 1 January of the start year
    new_cities: list[Region]  # cities this batch adds to those covered before it
    cities: int  # cumulative cities covered up to and including this batch
    schools: int  # cumulative schools (on the roster) in the regions covered so far
    planned: bool  # 筹备中: its figures are the plan (targets and pairings), not yet in force


@dataclass
class Rollout:
    steps: list[RolloutStep]
    cities_total: int
    schools_total: int
    covered: list[Region] = field(default_factory=list)  # by batches in force (实施中)
    planned: list[Region] = field(default_factory=list)  # by batches in preparation only
    remaining: list[Region] = field(default_factory=list)  # by no batch, not even planned
    milestones: list[TimelineEvent] = field(default_factory=list)

    def chart(self) -> dict[str, object]:
        """The data of the ECharts chart (json_script: no inline script under the CSP)."""
        return {
            "labels": [
                f"{s.batch.name}\n{s.start:%Y-%m}" if s.start else s.batch.name for s in self.steps
            ],
            "cities": [s.cities for s in self.steps],
            "schools": [s.schools for s in self.steps],
            "planned": [s.planned for s in self.steps],
            "cities_total": self.cities_total,
            "schools_total": self.schools_total,
            # The chart's words, in the page's language (the script holds none of its own).
            "words": {
                "cities_covered": _("累计覆盖设区市"),
                "schools_covered": _("累计覆盖学校"),
                "cities": pgettext("chart axis", "设区市"),
                "schools": pgettext("chart axis", "学校"),
                "full": _("全面覆盖"),
            },
        }


def _city_of(region_path: str, cities: dict[str, Region]) -> Region | None:
    codes = [c for c in region_path.strip("/").split("/") if c]
    return next((cities[c] for c in codes if c in cities), None)


def rollout(user: User) -> Rollout:
    """Batches in order (planned start, then number): each one's cities and schools on top of
    those before. A batch in force or finished counts its pairings; one in preparation its
    pairings and its plan's target regions. A city counts once one of its regions is paired."""
    batches = list(Batch.objects.visible_to(user).order_by("number"))
    cities = {
        r.code: r
        for r in Region.objects.visible_to(user).filter(level=RegionLevel.CITY).order_by("code")
    }
    per_city: dict[str, int] = defaultdict(int)
    for city_code, n in (
        School.objects.visible_to(user)
        .values_list("county__parent_id")
        .annotate(n=Count("id"))
        .values_list("county__parent_id", "n")
    ):
        per_city[city_code or ""] += n
    regions_of: dict[int, set[str]] = defaultdict(set)
    for batch_id, path in Pairing.objects.visible_to(user).values_list("batch_id", "region__path"):
        paired_city = _city_of(path, cities)
        if paired_city is not None:
            regions_of[batch_id].add(paired_city.code)
    targets = Batch.target_regions.through.objects.filter(
        batch__in=[b.pk for b in batches]
    ).values_list("batch_id", "region__path")
    status = {b.pk: b.status for b in batches}
    for batch_id, path in targets:
        target_city = _city_of(path, cities)
        # A batch in force is measured by its pairings; its targets are what it set out to do.
        if target_city is not None and status[batch_id] == BatchStatus.PLANNED:
            regions_of[batch_id].add(target_city.code)

    def start(b: Batch) -> dt.date:
        return b.planned_start or dt.date(b.start_year, 1, 1)

    steps: list[RolloutStep] = []
    seen: set[str] = set()
    for b in sorted(batches, key=lambda b: (start(b), b.number)):
        new = sorted(regions_of[b.pk] - seen)
        seen |= regions_of[b.pk]
        steps.append(
            RolloutStep(
                batch=b,
                start=start(b),
                new_cities=[cities[c] for c in new],
                cities=len(seen),
                schools=sum(per_city[c] for c in seen),
                planned=b.status == BatchStatus.PLANNED,
            )
        )
    active = set().union(*(regions_of[b.pk] for b in batches if b.status == BatchStatus.ACTIVE))
    planned = (
        set().union(*(regions_of[b.pk] for b in batches if b.status == BatchStatus.PLANNED))
        - active
    )
    return Rollout(
        steps=steps,
        cities_total=len(cities),
        schools_total=sum(per_city[c] for c in cities),
        covered=[cities[c] for c in sorted(active)],
        planned=[cities[c] for c in sorted(planned)],
        remaining=[cities[c] for c in sorted(set(cities) - active - planned)],
        milestones=milestones(user),
    )


# --- selection rounds -------------------------------------------------------------------------


@dataclass
class SelectionRow:
    university: University
    recognitions: list[UniversityRecognition]
    decision: SelectionDecision | None

    @property
    def recognised(self) -> bool:
        return bool(self.recognitions)


def rounds_for_list(user: User) -> QuerySet[SelectionRound]:
    return (
        SelectionRound.objects.visible_to(user)
        .select_related("batch", "opened_by", "closed_by")
        .annotate(decided=Count("decisions"))
    )


def round_rows(selection: SelectionRound) -> list[SelectionRow]:
    """Every university, recognised ones first: those without a recognition are listed and
    flagged, not hidden (the province may still choose one, with its reason)."""
    decisions = {
        d.university_id: d
        for d in SelectionDecision.objects.filter(selection=selection).select_related("decided_by")
    }
    universities = University.objects.prefetch_related(
        Prefetch("recognitions", queryset=UniversityRecognition.objects.order_by("kind", "-year"))
    ).order_by("code")
    rows = [SelectionRow(u, list(u.recognitions.all()), decisions.get(u.pk)) for u in universities]
    rows.sort(key=lambda r: (not r.recognised, r.university.code))
    return rows
