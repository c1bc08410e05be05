from __future__ import annotations

from typing import Any

import pytest

from handinhand.indicators.models import EvaluationCycle, Framework
from handinhand.indicators.services import cycle_open, framework_copy, sample_framework_create


def make_draft(cast: Any, edition: str = "2026版") -> Framework:
    """A draft copy of the (published) sample, owned by the province admin."""
    return framework_copy(
        actor=cast.province_admin, framework=sample_framework_create(), edition=edition
    )


@pytest.fixture
def sample(cast: Any) -> Framework:
    return sample_framework_create()


@pytest.fixture
def draft(cast: Any) -> Framework:
    return make_draft(cast)


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_cycle(cast: Any, name: str = "2025年度", year: int = 2025) -> EvaluationCycle:
    """A cycle of the sample framework over every school, its evaluations created inline."""
    from django.test import override_settings

    with override_settings(TASKS=IMMEDIATE):
        return cycle_open(
            actor=cast.province_admin,
            framework=sample_framework_create(),
            name=name,
            year=year,
        )


@pytest.fixture
def cycle(cast: Any) -> EvaluationCycle:
    return make_cycle(cast)


def full_entries(evaluation: Any, *, below: bool = False) -> dict[int, tuple[Any, str]]:
    """Every level-3 indicator at its maximum (or half a point below, explained)."""
    from decimal import Decimal

    from handinhand.indicators.services import evaluation_leaves

    entries = {}
    for leaf in evaluation_leaves(evaluation):
        top = leaf.max_score or Decimal(0)
        score = top - Decimal("0.5") if below else top
        entries[leaf.pk] = (score, "已落实" if below else "")
    return entries


@pytest.fixture
def evaluation(cast: Any, cycle: EvaluationCycle) -> Any:
    """The school user's evaluation (湘东区第一小学, in district 湘东片区)."""
    return cycle.evaluations.get(school=cast.school)


def confirm(cast: Any, evaluation: Any, *, school_score: Any = None, review: Any = None) -> Any:
    """Take an evaluation of the cast's district school through the whole workflow."""
    from handinhand.indicators.services import (
        evaluation_review,
        evaluation_save_self,
        evaluation_transition,
    )

    entries = full_entries(evaluation)
    if school_score is not None:
        entries = {k: (school_score, "说明") for k in entries}
    ev = evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries=entries,
        expected_version=evaluation.version,
        submit=True,
    )
    review_entries = {
        k: (review if review is not None else v[0], "意见") for k, v in entries.items()
    }
    ev = evaluation_review(
        actor=cast.instructor,
        evaluation=ev,
        entries=review_entries,
        expected_version=ev.version,
        passed=True,
    )
    return evaluation_transition(
        actor=cast.leader, evaluation=ev, action="confirm", expected_version=ev.version
    )


@pytest.fixture
def api_for() -> Any:
    """api_for(user): a client sending a fresh API token of that user (as in api/tests)."""
    from django.test import Client

    from handinhand.api.services import api_token_create

    def make(user: Any) -> Client:
        _token, raw = api_token_create(actor=user, name="测试令牌")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
