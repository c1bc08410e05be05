"""Pages of 经费保障: the province's summary, a university's year, the allocation sheet and
approval, disbursements, the expense ledger with its import, and the .xlsx documents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.models import User
from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.exports import xlsx_response
from handinhand.core.forms import add_service_errors
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.models import AuditAction
from handinhand.core.uploads import serve_upload
from handinhand.core.views_helpers import access, form_page, require
from handinhand.funding import access as rules
from handinhand.funding import documents, selectors, services
from handinhand.funding.calculation import changes_since
from handinhand.funding.forms import (
    ApproveForm,
    CorrectionForm,
    DisbursementCorrectionForm,
    DisbursementForm,
    ExpenseFilterForm,
    ExpenseForm,
    ImportForm,
    years,
)
from handinhand.funding.imports import build_template, import_expenses
from handinhand.funding.models import Allocation, Disbursement, EntryKind, Expense
from handinhand.orgs.models import University


def _actor(request: HttpRequest) -> User:
    """The signed-in person (every view here is behind login_required)."""
    if not isinstance(request.user, User):
        raise Http404
    return request.user


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    valid = [y for y, _label in years()]
    return year if year in valid else timezone.localdate().year


def _university(request: AuthenticatedHttpRequest, pk: int) -> University:
    return access(selectors.lead_universities(request.user), pk=pk)


def _page(university: University, year: int) -> str:
    return f"{reverse('funding:university', args=[university.pk])}?year={year}"


EXPENSE_LIST = ListSpec(
    title=_lazy("经费支出明细"),
    queryset=selectors.expenses_for_list,
    columns=[
        Column("pk", _lazy("编号"), sort="id", link=True),
        Column("date", _lazy("日期"), sort="date"),
        Column("university.name", _lazy("牵头高校"), sort="university__name"),
        Column("category", _lazy("支出类别"), sort="category"),
        Column("amount_text", _lazy("金额"), sort="amount", list_only=True),
        Column("amount", _lazy("金额（元）"), export_only=True),
        Column("payee", _lazy("收款方")),
        Column("purpose", _lazy("用途")),
        Column("kind", _lazy("类型"), sort="kind"),
        Column("visit_id", _lazy("关联指导活动"), export_only=True),
        Column("reason", _lazy("更正原因"), export_only=True),
    ],
    search_fields=["payee", "purpose"],
    default_sort="-date",
    filter_form=ExpenseFilterForm,
    detail_url="funding:expense_edit",
    export_name="funding.expense",
)


@login_required
def summary(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(rules.can_see_funding(request.user))
    year = _year(request)
    rows = selectors.province_summary(request.user, year)
    if not rules.is_province_admin(request.user) and len(rows) == 1:
        return redirect(_page(rows[0].university, year))
    total = selectors.summary_total(rows)
    return render(
        request,
        "funding/summary.html",
        {
            "year": year,
            "years": years(),
            "rows": rows,
            "total": total,
            "total_rate": selectors.percent(total.rate),
            "is_admin": rules.is_province_admin(request.user),
        },
    )


@login_required
def summary_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    year = _year(request)
    rows = selectors.province_summary(request.user, year)
    workbook = documents.summary_workbook(year, rows, selectors.summary_total(rows))
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="funding.summary",
        object_repr=f"{year}年度经费汇总",
    )
    return xlsx_response(workbook, f"{year}年度党建指导经费汇总.xlsx")


@login_required
def university(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    uni = _university(request, pk)
    year = _year(request)
    ex = selectors.execution(uni, year)
    context = {
        "u": uni,
        "year": year,
        "years": years(),
        "ex": ex,
        "months": [(m, ex.by_month[m - 1], m in ex.closed) for m in range(1, 13)],
        "allocations": list(
            Allocation.objects.filter(university=uni, year=year).order_by("-number")
        ),
        "disbursements": list(
            Disbursement.objects.filter(university=uni, year=year).select_related("corrects")
        ),
        "expenses": list(
            Expense.objects.filter(university=uni, year=year).order_by("-date", "-pk")[:20]
        ),
        "is_admin": rules.is_province_admin(request.user),
        "can_spend": rules.can_spend(request.user, uni.pk),
        "chart": {
            # The chart's words come with its data, in the page's language (no JS catalogue).
            "months": [_("%(m)s月") % {"m": m} for m in range(1, 13)],
            "series": _("支出"),
            "locale": translation.get_language(),
            "by_month": [float(v) for v in ex.by_month],
            "categories": [{"name": c, "value": float(v)} for c, v in ex.by_category if v],
        },
    }
    return render(request, "funding/university.html", context)


@login_required
def allocation_calc(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The calculation as it stands, the difference from the approved version, and approval."""
    require(rules.is_province_admin(request.user))
    uni = _university(request, pk)
    year = _year(request)
    try:
        sheet = services.allocation_sheet(actor=_actor(request), university=uni, year=year)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(_page(uni, year))
    current = selectors.current_allocation(uni.pk, year)
    form = ApproveForm(
        request.POST or None,
        initial={"expected_total": sheet.total, "approved_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.allocation_approve(
                    actor=_actor(request),
                    university=uni,
                    year=year,
                    doc_number=form.cleaned_data["doc_number"],
                    approved_on=form.cleaned_data["approved_on"],
                    expected_total=form.cleaned_data["expected_total"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("经费已核定"))
                return redirect(_page(uni, year))
        status = 400
    changes = changes_since(sheet, current)
    return render(
        request,
        "funding/allocation.html",
        {
            "u": uni,
            "year": year,
            "rows": sheet.rows,
            "sheet": sheet,
            "current": current,
            "changes": changes,
            "difference": sheet.total - (current.amount if current else 0),
            "form": form,
            "preview": True,
        },
        status=status,
    )


@login_required
def allocation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    allocation = access(selectors.allocations_for_list(request.user), pk=pk)
    return render(
        request,
        "funding/allocation.html",
        {
            "u": allocation.university,
            "year": allocation.year,
            "rows": allocation.sheet,
            "current": allocation,
            "preview": False,
        },
    )


@login_required
def disbursement_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    uni = _university(request, pk)
    year = _year(request)
    form = DisbursementForm(request.POST or None, request.FILES or None)
    return form_page(
        request,
        form=form,
        title=_("%(u)s %(y)s年度经费下拨") % {"u": uni, "y": year},
        success_message=_("下拨已登记"),
        back_url=_page(uni, year),
        save=lambda d: services.disbursement_create(
            actor=_actor(request),
            university=uni,
            year=year,
            date=d["date"],
            amount=d["amount"],
            doc_number=d["doc_number"],
            attachment=d.get("attachment"),
        ),
        redirect_to=lambda obj: _page(uni, year),
    )


@login_required
def disbursement_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    line = access(selectors.disbursements_for_list(request.user), pk=pk)
    form = DisbursementCorrectionForm(request.POST or None)
    back = _page(line.university, line.year)
    return form_page(
        request,
        form=form,
        title=_("更正下拨：%(d)s") % {"d": line.doc_number or line.date},
        success_message=_("更正已登记"),
        back_url=back,
        save=lambda d: services.disbursement_correct(
            actor=_actor(request),
            disbursement=line,
            amount=d["amount"],
            date=d["date"],
            reason=d["reason"],
            doc_number=d.get("doc_number") or "",
        ),
        redirect_to=lambda obj: back,
    )


def _file(field: Any, kind: str, name: str) -> FileResponse:
    require(bool(field))
    return serve_upload(field, kind, name)


@login_required
def disbursement_attachment(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    line = access(selectors.disbursements_for_list(request.user), pk=pk)
    return _file(
        line.attachment, line.attachment_kind, f"下拨{line.doc_number}.{line.attachment_kind}"
    )


@login_required
def expense_receipt(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    line = access(selectors.expenses_for_list(request.user), pk=pk)
    return _file(line.receipt, line.receipt_kind, f"票据{line.pk}.{line.receipt_kind}")


@login_required
def expense_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(rules.can_see_funding(request.user))
    return render_list(request, EXPENSE_LIST)


def _recorded(request: HttpRequest, recorded: services.Recorded) -> Expense:
    for warning in recorded.warnings:
        messages.warning(request, warning)
    return recorded.expense


@login_required
def expense_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    uni = _university(request, pk)
    require(rules.can_spend(request.user, uni.pk))
    year = _year(request)
    form = ExpenseForm(request.POST or None, request.FILES or None)
    return form_page(
        request,
        form=form,
        title=_("登记支出：%(u)s %(y)s年度") % {"u": uni, "y": year},
        success_message=_("支出已登记"),
        back_url=_page(uni, year),
        save=lambda d: _recorded(
            request,
            services.expense_create(
                actor=_actor(request),
                university=uni,
                year=year,
                date=d["date"],
                category=d["category"],
                amount=d["amount"],
                payee=d["payee"],
                purpose=d["purpose"],
                visit_id=d.get("visit_id"),
                meeting_id=d.get("meeting_id"),
                training_id=d.get("training_id"),
                receipt=d.get("receipt"),
            ),
        ),
        redirect_to=lambda obj: _page(uni, year),
    )


@login_required
def expense_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = access(selectors.expenses_for_list(request.user), pk=pk)
    back = _page(line.university, line.year)
    editable = (
        rules.can_spend(request.user, line.university_id)
        and line.kind == EntryKind.ORIGINAL
        and line.month not in selectors.closed_months(line.university_id, line.year)
    )
    if not editable:
        return render(
            request,
            "funding/expense_detail.html",
            {
                "e": line,
                "back": back,
                "can_correct": rules.can_spend(request.user, line.university_id),
            },
        )
    initial = {name: getattr(line, name) for name in services.EDITABLE}
    initial["expected_version"] = line.version
    form = ExpenseForm(request.POST or None, initial=initial)
    form.fields.pop("receipt")

    def update(data: dict[str, Any], version: int | None) -> Expense:
        return _recorded(
            request,
            services.expense_update(
                actor=_actor(request), expense=line, data=data, expected_version=version
            ),
        )

    return form_page(
        request,
        form=form,
        title=_("修改支出 #%(pk)s") % {"pk": line.pk},
        success_message=_("支出已修改"),
        back_url=back,
        update=update,
        redirect_to=lambda obj: back,
    )


@login_required
def expense_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = access(selectors.expenses_for_list(request.user), pk=pk)
    require(rules.can_spend(request.user, line.university_id))
    back = _page(line.university, line.year)
    form = CorrectionForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("更正支出 #%(pk)s（%(a)s 元）") % {"pk": line.pk, "a": line.amount},
        success_message=_("更正已登记"),
        back_url=back,
        save=lambda d: _recorded(
            request,
            services.expense_correct(
                actor=_actor(request),
                expense=line,
                amount=d["amount"],
                date=d["date"],
                reason=d["reason"],
            ),
        ),
        redirect_to=lambda obj: back,
    )


@login_required
def expense_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    uni = _university(request, pk)
    require(rules.can_spend(request.user, uni.pk))
    year = _year(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_expenses(
            actor=_actor(request),
            university=uni,
            year=year,
            data=upload.read(),
            filename=upload.name or "",
        )
        if result.ok:
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(request, _("已导入 %(n)s 笔支出") % {"n": result.created})
            return redirect(_page(uni, year))
    return render(
        request,
        "funding/import.html",
        {"u": uni, "year": year, "form": form, "result": result, "back": _page(uni, year)},
        status=400 if result is not None else 200,
    )


@login_required
def expense_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(rules.can_see_funding(request.user))
    return xlsx_response(build_template(), "经费支出导入模板.xlsx")


@login_required
@require_POST
def month_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    uni = _university(request, pk)
    require(rules.can_close(request.user, uni.pk))
    year = _year(request)
    try:
        month = int(request.POST.get("month", "0"))
        services.month_close(actor=_actor(request), university=uni, year=year, month=month)
    except (ValueError, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [_("月份不正确")])))
    except PermissionDeniedError:
        require(False)
    else:
        messages.success(request, _("%(m)s月已月结") % {"m": month})
    return redirect(_page(uni, year))


@login_required
def ledger_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    uni = _university(request, pk)
    year = _year(request)
    ex = selectors.execution(uni, year)
    workbook = documents.ledger_workbook(
        ex,
        list(Disbursement.objects.filter(university=uni, year=year).select_related("corrects")),
        list(Expense.objects.filter(university=uni, year=year).order_by("date", "pk")),
    )
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        instance=uni,
        object_type="funding.ledger",
        object_repr=f"{uni} {year}年度经费台账",
    )
    return xlsx_response(workbook, f"{uni.name}{year}年度经费台账.xlsx")
