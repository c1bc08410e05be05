"""Pages of 遴选 and the rollout plan (issue 11) for the site-wide scope matrix
(core/tests/test_scope_matrix.py): the province's alone, 404 for everyone else."""

from __future__ import annotations

from typing import Any

OUTSIDERS = ["city_user", "leader", "instructor", "school_user", "audit_admin"]


def _round(c: Any) -> int:
    from handinhand.programme.models import SelectionRound, SelectionStatus

    # Built more than once by the matrix: one open round per batch, so reuse it.
    found = SelectionRound.objects.filter(batch=c.batch, status=SelectionStatus.OPEN).first()
    if found is None:
        found = SelectionRound.objects.create(
            batch=c.batch, title="首批牵头高校遴选", opened_by=c.province_admin
        )
    return found.pk


OBJECT_PAGES = {
    "programme:selection_detail": (_round, "province_admin", OUTSIDERS),
    "programme:selection_decide": (_round, "province_admin", OUTSIDERS),
    "programme:selection_close": (_round, "province_admin", OUTSIDERS),
    "programme:selection_open": (lambda c: c.batch.pk, "province_admin", OUTSIDERS),
    "programme:batch_plan": (lambda c: c.batch.pk, "province_admin", OUTSIDERS),
}

ROLE_PAGES = {
    "programme:selection_list": ("province_admin", OUTSIDERS),
    "programme:rollout": ("province_admin", OUTSIDERS),
}
