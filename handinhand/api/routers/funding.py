"""经费保障 (R12): allocations, disbursements, expenses and execution — the same scope
(visible_to) and services as the pages. Amounts travel as strings ("15000.00"), exact."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Router, Schema, Status

from handinhand.api.auth import ApiRequest
from handinhand.api.listing import paginated
from handinhand.api.schemas import ErrorOut, ValidationErrorOut
from handinhand.core.views_helpers import access
from handinhand.funding import selectors, services

router = Router(tags=["经费保障"])
WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class AllocationOut(Schema):
    id: int
    university_id: int
    year: int
    number: int
    amount: Decimal
    members: int
    person_months: int
    standard: Decimal
    proration: str
    doc_number: str
    approved_on: dt.date


class AllocationIn(Schema):
    university_id: int
    year: int
    doc_number: str
    approved_on: dt.date
    expected_total: Decimal | None = None


class DisbursementOut(Schema):
    id: int
    university_id: int
    year: int
    kind: str
    date: dt.date
    amount: Decimal
    doc_number: str
    corrects_id: int | None
    reason: str


class DisbursementIn(Schema):
    university_id: int
    year: int
    date: dt.date
    amount: str
    doc_number: str


class ExpenseOut(Schema):
    id: int
    university_id: int
    year: int
    kind: str
    date: dt.date
    month: int
    category: str
    amount: Decimal
    payee: str
    purpose: str
    visit_id: int | None
    meeting_id: int | None
    training_id: int | None
    corrects_id: int | None
    reason: str
    version: int


class ExpenseIn(Schema):
    university_id: int
    year: int
    date: dt.date
    category: str
    amount: str
    payee: str
    purpose: str
    visit_id: int | None = None
    meeting_id: int | None = None
    training_id: int | None = None


class CorrectionIn(Schema):
    amount: str
    date: dt.date
    reason: str


class DisbursementCorrectionIn(CorrectionIn):
    doc_number: str = ""


class MonthCloseOut(Schema):
    id: int
    university_id: int
    year: int
    month: int
    closed_by_id: int


class MonthCloseIn(Schema):
    university_id: int
    year: int
    month: int


class ExecutionOut(Schema):
    university_id: int
    year: int
    allocated: Decimal
    carry_in: Decimal
    disbursed: Decimal
    spent: Decimal
    balance: Decimal
    rate: Decimal | None
    by_category: dict[str, Decimal]
    by_month: list[Decimal]
    visits: int
    schools: int
    alerts: list[str]


def _university(request: ApiRequest, pk: int) -> Any:
    return access(selectors.lead_universities(request.auth), pk=pk)


@router.get("/funding/allocations", response=list[AllocationOut], summary="经费核定列表")
@paginated
def allocation_list(request: ApiRequest, year: int | None = None) -> Any:
    qs = selectors.allocations_for_list(request.auth)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "university_id", "-number", "pk")


@router.post(
    "/funding/allocations",
    response={201: AllocationOut, **WRITE_ERRORS},
    summary="按当前测算核定经费（省委教育工委管理员）",
)
def allocation_approve(request: ApiRequest, payload: AllocationIn) -> Any:
    uni = _university(request, payload.university_id)
    return Status(
        201,
        services.allocation_approve(
            actor=request.auth,
            university=uni,
            year=payload.year,
            doc_number=payload.doc_number,
            approved_on=payload.approved_on,
            expected_total=payload.expected_total,
        ),
    )


@router.get("/funding/disbursements", response=list[DisbursementOut], summary="经费下拨列表")
@paginated
def disbursement_list(request: ApiRequest, year: int | None = None) -> Any:
    qs = selectors.disbursements_for_list(request.auth)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "date", "pk")


@router.post(
    "/funding/disbursements",
    response={201: DisbursementOut, **WRITE_ERRORS},
    summary="登记下拨（省委教育工委管理员）",
)
def disbursement_create(request: ApiRequest, payload: DisbursementIn) -> Any:
    uni = _university(request, payload.university_id)
    return Status(
        201,
        services.disbursement_create(
            actor=request.auth,
            university=uni,
            year=payload.year,
            date=payload.date,
            amount=payload.amount,
            doc_number=payload.doc_number,
        ),
    )


@router.post(
    "/funding/disbursements/{int:disbursement_id}/corrections",
    response={201: DisbursementOut, **WRITE_ERRORS},
    summary="更正下拨：新增一笔更正记录（省委教育工委管理员）",
)
def disbursement_correct(
    request: ApiRequest, disbursement_id: int, payload: DisbursementCorrectionIn
) -> Any:
    line = access(selectors.disbursements_for_list(request.auth), pk=disbursement_id)
    return Status(
        201,
        services.disbursement_correct(
            actor=request.auth,
            disbursement=line,
            amount=payload.amount,
            date=payload.date,
            reason=payload.reason,
            doc_number=payload.doc_number,
        ),
    )


@router.get("/funding/expenses", response=list[ExpenseOut], summary="经费支出列表")
@paginated
def expense_list(
    request: ApiRequest,
    year: int | None = None,
    university_id: int | None = None,
    month: int | None = None,
) -> Any:
    qs = selectors.expenses_for_list(request.auth)
    if year:
        qs = qs.filter(year=year)
    if university_id:
        qs = qs.filter(university_id=university_id)
    if month:
        qs = qs.filter(month=month)
    return qs.order_by("date", "pk")


@router.post(
    "/funding/expenses",
    response={201: ExpenseOut, **WRITE_ERRORS},
    summary="登记支出（牵头高校经费联络人）",
)
def expense_create(request: ApiRequest, payload: ExpenseIn) -> Any:
    uni = _university(request, payload.university_id)
    recorded = services.expense_create(
        actor=request.auth,
        university=uni,
        year=payload.year,
        date=payload.date,
        category=payload.category,
        amount=payload.amount,
        payee=payload.payee,
        purpose=payload.purpose,
        visit_id=payload.visit_id,
        meeting_id=payload.meeting_id,
        training_id=payload.training_id,
    )
    return Status(201, recorded.expense)


@router.post(
    "/funding/expenses/{int:expense_id}/corrections",
    response={201: ExpenseOut, **WRITE_ERRORS},
    summary="更正支出：在未月结月份新增一笔更正记录（牵头高校经费联络人）",
)
def expense_correct(request: ApiRequest, expense_id: int, payload: CorrectionIn) -> Any:
    line = access(selectors.expenses_for_list(request.auth), pk=expense_id)
    recorded = services.expense_correct(
        actor=request.auth,
        expense=line,
        amount=payload.amount,
        date=payload.date,
        reason=payload.reason,
    )
    return Status(201, recorded.expense)


@router.get("/funding/month-closes", response=list[MonthCloseOut], summary="月结记录")
@paginated
def month_close_list(
    request: ApiRequest, year: int | None = None, university_id: int | None = None
) -> Any:
    qs = selectors.month_closes_for_list(request.auth)
    if year:
        qs = qs.filter(year=year)
    if university_id:
        qs = qs.filter(university_id=university_id)
    return qs.order_by("university_id", "year", "month", "pk")


@router.post(
    "/funding/month-closes",
    response={201: MonthCloseOut, **WRITE_ERRORS},
    summary="月结（牵头高校经费联络人）",
)
def month_close(request: ApiRequest, payload: MonthCloseIn) -> Any:
    uni = _university(request, payload.university_id)
    return Status(
        201,
        services.month_close(
            actor=request.auth, university=uni, year=payload.year, month=payload.month
        ),
    )


@router.get(
    "/funding/execution/{int:university_id}",
    response={200: ExecutionOut, 404: ErrorOut},
    summary="牵头高校年度经费执行情况",
)
def execution(request: ApiRequest, university_id: int, year: int) -> Any:
    uni = _university(request, university_id)
    ex = selectors.execution(uni, year)
    t = ex.totals
    return {
        "university_id": uni.pk,
        "year": year,
        "allocated": t.allocated,
        "carry_in": t.carry_in,
        "disbursed": t.disbursed,
        "spent": t.spent,
        "balance": t.balance,
        "rate": t.rate,
        "by_category": dict(ex.by_category),
        "by_month": ex.by_month,
        "visits": ex.visits,
        "schools": ex.schools,
        "alerts": [a.text for a in ex.alerts],
    }
