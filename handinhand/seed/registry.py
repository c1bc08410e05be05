"""The steps that add each app's synthetic records on top of the programme's structure.

A module of this package contributes with `@step(order=...)`; `run_steps` calls them in that
order after the structure is written. The order is explicit because the steps depend on each
other (reports read training hours, guidance visits name the groups' members), never on the
order of INSTALLED_APPS or of imports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured


class StepFunction(Protocol):
    def __call__(self, workload: str, *, seed: int, scale: float) -> dict[str, int]: ...


F = TypeVar("F", bound=StepFunction)


@dataclass(frozen=True)
class Step:
    name: str
    order: int
    run: StepFunction


_steps: dict[str, Step] = {}


def step(*, order: int) -> Callable[[F], F]:
    """Register `fn(workload, *, seed, scale) -> rows written per model` to run at `order`.

    A step must be idempotent: it returns without writing when it finds its own rows, so that
    a step that needs another one's data can call it first (reports call training)."""

    def register(fn: F) -> F:
        name = f"{fn.__module__}.{getattr(fn, '__qualname__', repr(fn))}"
        taken = {s.order: s.name for s in _steps.values() if s.name != name}
        if order in taken:
            raise ImproperlyConfigured(f"seed step order {order} is taken by {taken[order]}")
        _steps[name] = Step(name=name, order=order, run=fn)
        return fn

    return register


def steps() -> list[Step]:
    return sorted(_steps.values(), key=lambda s: s.order)


def run_steps(workload: str, *, seed: int, scale: float) -> dict[str, int]:
    """Each step, with fresh planner statistics (PostgreSQL) before it and at the end: a step
    reads what the ones before it bulk-loaded, and a query planned for the empty tables that
    autovacuum has not analysed yet runs for minutes instead of seconds (the nation's cockpit
    refresh: a nested loop over 220,000 schools)."""
    counts: dict[str, int] = {}
    analyze_seeded_tables()
    for s in steps():
        started = time.perf_counter()
        counts.update(s.run(workload, seed=seed, scale=scale))
        # The next step queries what this one wrote: with statistics of empty tables the
        # planner chose nested loops over 50,000 visits, and one query ran for minutes.
        analyze_seeded_tables()
        # Whole seconds per step, printed with the rows: where the seed's time goes.
        counts[f"seconds ({s.name.rsplit('.', 2)[-2]})"] = round(time.perf_counter() - started)
    return counts


def analyze_seeded_tables() -> list[str]:
    """ANALYZE every table of the project's apps now (PostgreSQL; issue 15 item 5)."""
    from django.apps import apps

    from handinhand.core import statistics

    return statistics.analyze(
        [m for m in apps.get_models() if m.__module__.startswith("handinhand.")], now=True
    )
