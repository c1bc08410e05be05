"""Turning a free-text 工作单位 into a Unit: the rule shared by the data migration and the
synthetic workloads. It takes plain rows, not models, so that a migration can call it with its
historical models."""

from __future__ import annotations

from collections.abc import Iterable

from handinhand.orgs.models import best_region


def plan_units(
    texts: Iterable[str],
    universities: list[tuple[int, str, str, str]],
    regions: list[tuple[str, str, str, str]],
) -> dict[str, tuple[str, int | None, str | None]]:
    """For each distinct non-empty text, the unit it becomes: (unit name, university id or
    None, region code or None).

    A text naming a university (full or short name) becomes that university's unit, named as
    the university; any other text becomes an "other" unit of that name, placed in the region
    it names, if any. `universities` are (id, name, short name, city code)."""
    by_name: dict[str, tuple[int, str, str]] = {}
    for pk, name, short, city in universities:
        by_name[name] = (pk, name, city)
        if short:
            by_name.setdefault(short, (pk, name, city))
    plan: dict[str, tuple[str, int | None, str | None]] = {}
    for raw in texts:
        text = (raw or "").strip()
        if not text or text in plan:
            continue
        match = by_name.get(text) or next(
            (u for key, u in by_name.items() if len(key) >= 4 and text.startswith(key)), None
        )
        if match is not None:
            pk, name, city = match
            plan[text] = (name, pk, city)
        else:
            plan[text] = (text[:100], None, best_region(text, regions))
    return plan
