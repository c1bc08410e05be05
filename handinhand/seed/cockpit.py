"""The cockpit's pre-aggregates for the synthetic workloads: computed once the other steps have
written their rows, so that the 驾驶舱 of a fresh demo shows figures before the first nightly
refresh (the scheduler's dashboard.cockpit)."""

from __future__ import annotations

from django.utils import timezone

from handinhand.dashboard.cockpit import cockpit_refresh
from handinhand.seed.registry import step


@step(order=1000)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    today = timezone.localdate()
    rows = sum(cockpit_refresh(year=year, today=today) for year in (today.year - 1, today.year))
    return {"cockpit figures": rows}
