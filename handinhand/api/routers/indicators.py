"""Indicator frameworks, evaluations and their scores: the same scope (visible_to), workflow
and services as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Router, Schema
from ninja.params.functions import Query  # what `ninja.Query` calls; not its typing alias

from handinhand.accounts.models import User
from handinhand.api.auth import ApiRequest
from handinhand.api.listing import IdPath, id_query, paginated
from handinhand.api.schemas import ErrorOut, Id, ValidationErrorOut, Version
from handinhand.core.views_helpers import access
from handinhand.indicators import selectors, services, workflow
from handinhand.indicators.models import Evaluation, Framework, Score

router = Router(tags=["指标与评估"])
WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class FrameworkOut(Schema):
    id: int
    name: str
    edition: str
    status: str
    is_sample: bool
    total_score: Decimal
    published_at: dt.datetime | None
    version: int


class IndicatorOut(Schema):
    id: int
    code: str
    level: int
    parent_code: str | None
    title: str
    max_score: Decimal | None
    guidance: str
    evidence: str

    @staticmethod
    def resolve_parent_code(obj: Any) -> str | None:
        return obj.parent.code if obj.parent_id else None


class FrameworkDetailOut(FrameworkOut):
    indicators: list[IndicatorOut]

    @staticmethod
    def resolve_indicators(obj: Any) -> list[Any]:
        indicators: list[Any] = obj.indicator_list  # prefetched with to_attr
        return indicators


class EvaluationOut(Schema):
    id: int
    cycle: str
    cycle_id: int
    school_id: int
    school: str
    status: str
    self_total: Decimal | None
    review_total: Decimal | None
    return_reason: str
    version: int

    @staticmethod
    def resolve_cycle(obj: Evaluation) -> str:
        return obj.cycle.name

    @staticmethod
    def resolve_school(obj: Evaluation) -> str:
        return obj.school.name


class ScoreOut(Schema):
    indicator_id: int
    code: str
    self_score: Decimal | None
    self_explanation: str
    review_score: Decimal | None
    review_comment: str

    @staticmethod
    def resolve_code(obj: Score) -> str:
        return obj.indicator.code


class EvaluationDetailOut(EvaluationOut):
    scores: list[ScoreOut]
    allowed_actions: list[str]

    @staticmethod
    def resolve_scores(obj: Any) -> list[Any]:
        scores: list[Any] = obj.score_list  # prefetched with to_attr
        return scores


class ScoreIn(Schema):
    indicator_id: Id
    score: Decimal | None = None
    text: str = ""


class SelfAssessmentIn(Schema):
    version: Version
    submit: bool = False
    scores: list[ScoreIn]


class ReviewIn(Schema):
    version: Version
    passed: bool = False
    scores: list[ScoreIn]


class TransitionIn(Schema):
    version: Version
    action: Literal["return", "confirm", "reopen"]
    reason: str = ""


@router.get("/frameworks", response=list[FrameworkOut], summary="指标体系列表")
@paginated
def framework_list(request: ApiRequest, status: str | None = None) -> Any:
    qs = Framework.objects.visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "pk")


@router.get(
    "/frameworks/{int:framework_id}",
    response={200: FrameworkDetailOut, 404: ErrorOut},
    summary="指标体系详情（含全部指标）",
)
def framework_detail(request: ApiRequest, framework_id: IdPath) -> Any:
    framework = access(Framework.objects.visible_to(request.auth), pk=framework_id)
    indicators = list(framework.indicators.select_related("parent").order_by("order", "pk"))
    setattr(framework, "indicator_list", indicators)  # noqa: B010
    return framework


@router.get("/evaluations", response=list[EvaluationOut], summary="学校评估列表")
@paginated
def evaluation_list(
    request: ApiRequest,
    cycle: int | None = id_query("评估周期 id"),
    status: str | None = Query(None, description="状态"),
    school: int | None = id_query("学校 id"),
) -> Any:
    qs = selectors.evaluations_for_list(request.auth)
    if cycle:
        qs = qs.filter(cycle_id=cycle)
    if status:
        qs = qs.filter(status=status)
    if school:
        qs = qs.filter(school_id=school)
    return qs.order_by("pk")


def _detail(user: User, pk: int) -> Evaluation:
    evaluation = access(selectors.evaluation_qs(user), pk=pk)
    scores = list(evaluation.scores.select_related("indicator").order_by("indicator__order"))
    setattr(evaluation, "score_list", scores)  # noqa: B010
    actions = [t.action for t in workflow.allowed_actions(user, evaluation)]
    setattr(evaluation, "allowed_actions", actions)  # noqa: B010
    return evaluation


@router.get(
    "/evaluations/{int:evaluation_id}",
    response={200: EvaluationDetailOut, 404: ErrorOut},
    summary="学校评估详情（含各项得分）",
)
def evaluation_detail(request: ApiRequest, evaluation_id: IdPath) -> Any:
    return _detail(request.auth, evaluation_id)


def _entries(scores: list[ScoreIn]) -> dict[int, tuple[Decimal | None, str]]:
    return {s.indicator_id: (s.score, s.text) for s in scores}


@router.put(
    "/evaluations/{int:evaluation_id}/self-assessment",
    response={200: EvaluationDetailOut, **WRITE_ERRORS},
    summary="保存或提交自评（学校用户；需提供 version）",
)
def evaluation_self(request: ApiRequest, evaluation_id: IdPath, payload: SelfAssessmentIn) -> Any:
    user = request.auth
    evaluation = access(selectors.evaluation_qs(user), pk=evaluation_id)
    services.evaluation_save_self(
        actor=user,
        evaluation=evaluation,
        entries=_entries(payload.scores),
        expected_version=payload.version,
        submit=payload.submit,
    )
    return _detail(user, evaluation_id)


@router.put(
    "/evaluations/{int:evaluation_id}/review",
    response={200: EvaluationDetailOut, **WRITE_ERRORS},
    summary="保存审核评分或审核通过（片区指导员；需提供 version）",
)
def evaluation_review(request: ApiRequest, evaluation_id: IdPath, payload: ReviewIn) -> Any:
    user = request.auth
    evaluation = access(selectors.evaluation_qs(user), pk=evaluation_id)
    services.evaluation_review(
        actor=user,
        evaluation=evaluation,
        entries=_entries(payload.scores),
        expected_version=payload.version,
        passed=payload.passed,
    )
    return _detail(user, evaluation_id)


@router.post(
    "/evaluations/{int:evaluation_id}/transitions",
    response={200: EvaluationDetailOut, **WRITE_ERRORS},
    summary="退回、确认或退回重审（需提供 version）",
)
def evaluation_move(request: ApiRequest, evaluation_id: IdPath, payload: TransitionIn) -> Any:
    user = request.auth
    evaluation = access(selectors.evaluation_qs(user), pk=evaluation_id)
    services.evaluation_transition(
        actor=user,
        evaluation=evaluation,
        action=payload.action,
        expected_version=payload.version,
        reason=payload.reason,
    )
    return _detail(user, evaluation_id)
