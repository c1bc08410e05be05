"""The instructors' yearly assessment (R10): years, records and their workflow, objections
and priorities — the same scope (visible_to) and services as the pages."""

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status
from ninja.params.functions import Query  # what `ninja.Query` calls; not its typing alias

from handinhand.accounts.models import User
from handinhand.api.auth import ApiRequest
from handinhand.api.listing import paginated
from handinhand.api.schemas import ErrorOut, ValidationErrorOut
from handinhand.core.views_helpers import access
from handinhand.incentives import selectors, services
from handinhand.incentives.models import AssessmentStatus, AssessmentYear, PriorityStatus

router = Router(tags=["考核激励"])
WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class YearOut(Schema):
    id: int
    year: int
    status: str
    levels: list[str]
    min_months: int
    window_start: dt.date
    window_end: dt.date
    publicity_start: dt.date | None
    publicity_end: dt.date | None


class YearIn(Schema):
    year: int


class AssessmentOut(Schema):
    id: int
    year: int
    user_id: int
    full_name: str
    group_id: int
    unit: str | None
    months: int
    status: str
    exempt_reason: str
    proposed_grade: str
    grade: str
    version: int

    @staticmethod
    def resolve_year(obj: Any) -> int:
        return int(obj.year.year)

    @staticmethod
    def resolve_full_name(obj: Any) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_unit(obj: Any) -> str | None:
        return obj.unit.name if obj.unit else None


class AssessmentDetailOut(AssessmentOut):
    self_summary: str
    proposal_comment: str
    grade_reason: str
    return_reason: str
    evidence: dict[str, Any]


class SummaryIn(Schema):
    text: str
    submit: bool = False
    version: int | None = None


class ProposalIn(Schema):
    grade: str
    comment: str = ""
    version: int | None = None


class ConfirmationIn(Schema):
    grade: str = ""
    reason: str = ""
    version: int | None = None


class ReasonIn(Schema):
    reason: str


class ObjectionIn(Schema):
    text: str


class ObjectionOut(Schema):
    id: int
    assessment_id: int
    text: str


class PriorityOut(Schema):
    id: int
    user_id: int
    full_name: str
    unit: str | None
    year: int
    area: str
    valid_from: dt.date
    valid_until: dt.date
    status: str
    application_note: str
    version: int

    @staticmethod
    def resolve_full_name(obj: Any) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_unit(obj: Any) -> str | None:
        return obj.unit.name if obj.unit else None

    @staticmethod
    def resolve_year(obj: Any) -> int:
        return int(obj.assessment.year.year)


class ApplicationIn(Schema):
    applied: bool
    note: str
    version: int | None = None


@router.get("/assessment-years", response=list[YearOut], summary="考核年度列表")
@paginated
def year_list(request: ApiRequest) -> Any:
    return AssessmentYear.objects.visible_to(request.auth).order_by("-year")


@router.post(
    "/assessment-years",
    response={201: YearOut, **WRITE_ERRORS},
    summary="开启考核年度（省委教育工委管理员）",
)
def year_open(request: ApiRequest, payload: YearIn) -> Any:
    return Status(201, services.year_open(actor=request.auth, year=payload.year))


@router.get("/assessments", response=list[AssessmentOut], summary="指导员考核列表")
@paginated
def assessment_list(
    request: ApiRequest,
    year: int | None = Query(None, description="考核年度"),
    status: AssessmentStatus | None = None,
) -> Any:
    qs = selectors.assessments_for_list(request.auth)
    if year:
        qs = qs.filter(year__year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-year__year", "group_id", "user_id", "pk")


def _detail(user: User, pk: int) -> Any:
    return access(selectors.assessment_detail_qs(user), pk=pk)


@router.get(
    "/assessments/{int:assessment_id}",
    response={200: AssessmentDetailOut, 404: ErrorOut},
    summary="考核详情（含履职数据）",
)
def assessment_detail(request: ApiRequest, assessment_id: int) -> Any:
    return _detail(request.auth, assessment_id)


@router.post(
    "/assessments/{int:assessment_id}/summary",
    response={200: AssessmentDetailOut, **WRITE_ERRORS},
    summary="保存或提交个人述职（本人）",
)
def assessment_summary(request: ApiRequest, assessment_id: int, payload: SummaryIn) -> Any:
    a = _detail(request.auth, assessment_id)
    services.assessment_summarise(
        actor=request.auth,
        assessment=a,
        text=payload.text,
        submit=payload.submit,
        expected_version=payload.version,
    )
    return _detail(request.auth, assessment_id)


@router.post(
    "/assessments/{int:assessment_id}/proposal",
    response={200: AssessmentDetailOut, **WRITE_ERRORS},
    summary="提出建议等次（组长）",
)
def assessment_proposal(request: ApiRequest, assessment_id: int, payload: ProposalIn) -> Any:
    a = _detail(request.auth, assessment_id)
    services.assessment_propose(
        actor=request.auth,
        assessment=a,
        grade=payload.grade,
        comment=payload.comment,
        expected_version=payload.version,
    )
    return _detail(request.auth, assessment_id)


@router.post(
    "/assessments/{int:assessment_id}/confirmation",
    response={200: AssessmentDetailOut, **WRITE_ERRORS},
    summary="确认等次（省委教育工委管理员；“优秀”受比例限制）",
)
def assessment_confirmation(
    request: ApiRequest, assessment_id: int, payload: ConfirmationIn
) -> Any:
    a = _detail(request.auth, assessment_id)
    services.assessment_confirm(
        actor=request.auth,
        assessment=a,
        grade=payload.grade,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _detail(request.auth, assessment_id)


@router.post(
    "/assessments/{int:assessment_id}/return",
    response={200: AssessmentDetailOut, **WRITE_ERRORS},
    summary="退回上一步（须填写原因）",
)
def assessment_return(request: ApiRequest, assessment_id: int, payload: ReasonIn) -> Any:
    a = _detail(request.auth, assessment_id)
    services.assessment_return(actor=request.auth, assessment=a, reason=payload.reason)
    return _detail(request.auth, assessment_id)


@router.post(
    "/assessments/{int:assessment_id}/objections",
    response={201: ObjectionOut, **WRITE_ERRORS},
    summary="公示期内提出异议",
)
def objection_raise(request: ApiRequest, assessment_id: int, payload: ObjectionIn) -> Any:
    from handinhand.incentives.models import Assessment

    a = access(Assessment.objects.select_related("year", "user"), pk=assessment_id)
    return Status(
        201, services.objection_raise(actor=request.auth, assessment=a, text=payload.text)
    )


@router.get("/priorities", response=list[PriorityOut], summary="优先考虑事项列表")
@paginated
def priority_list(request: ApiRequest, status: PriorityStatus | None = None) -> Any:
    qs = selectors.priorities_for_list(request.auth)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-valid_from", "user_id", "area", "pk")


@router.post(
    "/priorities/{int:priority_id}/application",
    response={200: PriorityOut, **WRITE_ERRORS},
    summary="登记优先考虑的落实情况（单位联络人）",
)
def priority_application(request: ApiRequest, priority_id: int, payload: ApplicationIn) -> Any:
    priority = access(selectors.priorities_for_list(request.auth), pk=priority_id)
    services.priority_record(
        actor=request.auth,
        priority=priority,
        applied=payload.applied,
        note=payload.note,
        expected_version=payload.version,
    )
    return access(selectors.priorities_for_list(request.auth), pk=priority_id)
