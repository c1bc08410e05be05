"""党建研究课题 (R11): calls, applications and their workflow, reviews, ranking and the 立项
decision — the same scope (visible_to) and services as the pages."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status

from handinhand.accounts.models import User
from handinhand.api.auth import ApiRequest
from handinhand.api.listing import paginated
from handinhand.api.schemas import ErrorOut, ValidationErrorOut
from handinhand.core.views_helpers import access
from handinhand.programme.forms import find_member_candidate
from handinhand.research import access as rules
from handinhand.research import selectors, services
from handinhand.research.models import AppStatus, ResearchCall

router = Router(tags=["党建研究课题"])
WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class CallOut(Schema):
    id: int
    catalogue: str
    year: int
    title: str
    topic_guide: str
    deadline: dt.date
    places: int
    separate_quota: int
    status: str
    unit_recommendation: bool
    blind_review: bool
    rubric: list[dict[str, Any]]
    min_score: Decimal


class CallIn(Schema):
    catalogue: str
    year: int
    title: str
    topic_guide: str
    deadline: dt.date
    places: int
    separate_quota: int | None = None


class ApplicationOut(Schema):
    id: int
    call_id: int
    title: str
    direction: str
    status: str
    score: Decimal | None
    eligible: bool
    approved: bool
    proposed_pool: str
    proposed_reason: str
    stage: str
    version: int


class ApplicationIn(Schema):
    title: str
    direction: str
    plan: str
    budget: Decimal
    team: list[str] = []


class RecommendIn(Schema):
    recommend: bool
    reason: str = ""


class AssignIn(Schema):
    reviewer: str


class ReviewIn(Schema):
    scores: dict[str, Decimal]
    comment: str = ""


class ReviewOut(Schema):
    id: int
    application_id: int
    title: str
    total: Decimal | None
    submitted: bool

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return str(obj.application.title)

    @staticmethod
    def resolve_submitted(obj: Any) -> bool:
        return obj.submitted_at is not None


class OverrideIn(Schema):
    approved: bool
    reason: str


def _people(names: list[str]) -> list[User]:
    from django.core.exceptions import ValidationError

    people = [find_member_candidate(n) for n in names]
    missing = [n for n, p in zip(names, people, strict=True) if p is None]
    if missing:
        raise ValidationError({"team": ["未找到以下账号：" + "、".join(missing)]})
    return [p for p in people if p is not None]


def _call(user: User, pk: int) -> ResearchCall:
    return access(ResearchCall.objects.visible_to(user), pk=pk)


def _app(user: User, pk: int) -> Any:
    return access(selectors.application_detail_qs(user), pk=pk)


def _admin(user: User) -> None:
    if not rules.is_province_admin(user):
        raise Http404


@router.get("/research-calls", response=list[CallOut], summary="课题申报通知列表")
@paginated
def call_list(request: ApiRequest) -> Any:
    return ResearchCall.objects.visible_to(request.auth).order_by("-year", "-deadline", "pk")


@router.post(
    "/research-calls",
    response={201: CallOut, **WRITE_ERRORS},
    summary="发布课题申报通知（省委教育工委管理员）",
)
def call_create(request: ApiRequest, payload: CallIn) -> Any:
    _admin(request.auth)
    return Status(201, services.call_create(actor=request.auth, **payload.dict()))


@router.post(
    "/research-calls/{int:call_id}/applications",
    response={201: ApplicationOut, **WRITE_ERRORS},
    summary="申报课题（保存为草稿）",
)
def application_create(request: ApiRequest, call_id: int, payload: ApplicationIn) -> Any:
    call = _call(request.auth, call_id)
    if not rules.can_apply(request.auth, call):
        raise Http404
    data = payload.dict()
    team = _people(data.pop("team"))
    return Status(
        201, services.application_create(actor=request.auth, call=call, team=team, **data)
    )


@router.post(
    "/research-calls/{int:call_id}/ranking",
    response={200: list[ApplicationOut], **WRITE_ERRORS},
    summary="生成建议名单（按单列计划、优先立项规则）",
)
def call_rank(request: ApiRequest, call_id: int) -> Any:
    _admin(request.auth)
    call = services.call_rank(actor=request.auth, call=_call(request.auth, call_id))
    return selectors.decision_rows(call)


@router.post(
    "/research-calls/{int:call_id}/publication",
    response={200: CallOut, **WRITE_ERRORS},
    summary="公布立项结果",
)
def call_publish(request: ApiRequest, call_id: int) -> Any:
    _admin(request.auth)
    return services.call_publish(actor=request.auth, call=_call(request.auth, call_id))


@router.get("/research-applications", response=list[ApplicationOut], summary="课题申报列表")
@paginated
def application_list(request: ApiRequest, status: AppStatus | None = None) -> Any:
    qs = selectors.applications_for_list(request.auth)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-call_id", "pk")


@router.get(
    "/research-applications/{int:application_id}",
    response={200: ApplicationOut, 404: ErrorOut},
    summary="课题申报详情",
)
def application_detail(request: ApiRequest, application_id: int) -> Any:
    app = _app(request.auth, application_id)
    if not rules.sees_names(request.auth, app):
        # Blind review: the proposal's reason and the recommender can name the applicant.
        app.proposed_reason = ""
        app.recommended_by = None
    return app


@router.post(
    "/research-applications/{int:application_id}/submission",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="提交申报书（申报人）",
)
def application_submit(request: ApiRequest, application_id: int) -> Any:
    app = _app(request.auth, application_id)
    if app.applicant_id != request.auth.pk:
        raise Http404
    return services.application_submit(actor=request.auth, application=app)


@router.post(
    "/research-applications/{int:application_id}/recommendation",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="单位推荐或退回（单位联络人）",
)
def application_recommend(request: ApiRequest, application_id: int, payload: RecommendIn) -> Any:
    app = _app(request.auth, application_id)
    return services.application_recommend(
        actor=request.auth, application=app, recommend=payload.recommend, reason=payload.reason
    )


@router.post(
    "/research-applications/{int:application_id}/reviews",
    response={201: ReviewOut, **WRITE_ERRORS},
    summary="分配评审专家（省委教育工委管理员）",
)
def review_assign(request: ApiRequest, application_id: int, payload: AssignIn) -> Any:
    _admin(request.auth)
    app = _app(request.auth, application_id)
    reviewer = _people([payload.reviewer])[0]
    return Status(
        201, services.review_assign(actor=request.auth, application=app, reviewer=reviewer)
    )


@router.post(
    "/research-applications/{int:application_id}/override",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="调整建议名单（须说明理由）",
)
def decision_override(request: ApiRequest, application_id: int, payload: OverrideIn) -> Any:
    _admin(request.auth)
    app = _app(request.auth, application_id)
    return services.decision_override(
        actor=request.auth, application=app, approved=payload.approved, reason=payload.reason
    )


@router.get("/research-reviews", response=list[ReviewOut], summary="我的评审任务")
@paginated
def review_list(request: ApiRequest) -> Any:
    return selectors.reviews_for(request.auth)


@router.post(
    "/research-reviews/{int:review_id}/scores",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="提交评分（分配的评审专家）",
)
def review_submit(request: ApiRequest, review_id: int, payload: ReviewIn) -> Any:
    row = access(selectors.reviews_for(request.auth), pk=review_id)
    return services.review_submit(
        actor=request.auth, review=row, scores=dict(payload.scores), comment=payload.comment
    )
