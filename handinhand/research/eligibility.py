"""Eligibility for the separate quota (单列计划): the applicant is a current member of a
guidance group at any level on the call's deadline date. Set-based: one query for any number
of applicants; the evidence is what the pages show next to the answer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from handinhand.core import formats
from handinhand.programme.models import Membership


def memberships_on(user_ids: Iterable[int], day: dt.date) -> dict[int, list[dict[str, Any]]]:
    """{user id: [membership in force on `day`, as evidence]}. A term that ended later still
    counts (the day is in its term); an inactive one without an end never served."""
    ids = list(set(user_ids))
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return evidence
    rows = (
        Membership.objects.filter(user_id__in=ids, term_start__lte=day)
        .filter(Q(term_end__isnull=True, is_active=True) | Q(term_end__gte=day))
        .order_by("user_id", "group__level", "group_id")
        .values_list(
            "user_id", "group_id", "group__name", "group__level", "role", "term_start", "term_end"
        )
    )
    levels = {"province": "省级", "city": "市级", "county": "县级"}
    for user_id, group_id, name, level, role, start, end in rows:
        evidence[user_id].append(
            {
                "group_id": group_id,
                "group": name,
                "level": levels.get(level, level),
                "role": role,
                "term_start": start.isoformat(),
                "term_end": end.isoformat() if end else None,
            }
        )
    return evidence


def describe(evidence: list[dict[str, Any]], day: dt.date) -> str:
    when = formats.day(day)
    if not evidence:
        return f"截止日期（{when}）不是任何党建指导组的成员"
    parts = [f"{e['level']}{e['group']}（{e['role']}，{e['term_start']}起）" for e in evidence]
    return f"截止日期（{when}）为" + "、".join(parts) + "成员"
