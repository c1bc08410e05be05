"""Pages of 遴选 and the rollout plan (issue 11): selection rounds and their record, a batch's
plan, and the path to 全面覆盖. All are the province's: anyone else gets 404, like any object
outside their scope."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core import audit
from handinhand.core.exceptions import ConflictError
from handinhand.core.exports import xlsx_response
from handinhand.core.models import AuditAction
from handinhand.core.views_helpers import access, form_page, require, show_conflict
from handinhand.orgs.models import University
from handinhand.programme import rollout, selectors
from handinhand.programme import selection as services
from handinhand.programme.access import is_province_admin
from handinhand.programme.forms import BatchPlanForm, SelectionDecisionForm, SelectionOpenForm
from handinhand.programme.models import Batch, PairingHandover, SelectionRound, SelectionStatus


def _round(request: AuthenticatedHttpRequest, pk: int) -> SelectionRound:
    return access(
        SelectionRound.objects.visible_to(request.user).select_related(
            "batch", "opened_by", "closed_by"
        ),
        pk=pk,
    )


# --- selection rounds -------------------------------------------------------------------------


@login_required
def selection_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(is_province_admin(request.user))
    return render(
        request,
        "programme/selection_list.html",
        {
            "rounds": rollout.rounds_for_list(request.user),
            "batches": Batch.objects.visible_to(request.user).order_by("number"),
        },
    )


@login_required
def selection_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = access(Batch.objects.visible_to(request.user), pk=pk)
    require(is_province_admin(request.user))
    form = SelectionOpenForm(
        request.POST or None,
        initial={
            "title": _("%(batch)s牵头高校遴选") % {"batch": batch.name},
            "basis": _("从全省党建工作示范校、标杆院系、样板支部中优选牵头高校"),
        },
    )
    return form_page(
        request,
        form=form,
        title=_("发起牵头高校遴选：%(batch)s") % {"batch": batch.name},
        success_message=_("遴选已发起"),
        back_url=reverse("programme:batch_detail", args=[batch.pk]),
        save=lambda data: services.selection_open(
            actor=request.user, batch=batch, title=data["title"], basis=data["basis"]
        ),
        redirect_to=lambda obj: reverse("programme:selection_detail", args=[obj.pk]),
    )


def _detail_context(selection: SelectionRound) -> dict[str, Any]:
    rows = rollout.round_rows(selection)
    return {
        "selection": selection,
        "rows": rows,
        "decided": sum(1 for r in rows if r.decision),
        "selected": [r for r in rows if r.decision and r.decision.outcome == "selected"],
        "unrecognised": sum(1 for r in rows if not r.recognised),
        "is_open": selection.status == SelectionStatus.OPEN,
        "form": SelectionDecisionForm(),
    }


@login_required
def selection_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selection = _round(request, pk)
    if request.GET.get("export") == "xlsx":
        return _selection_xlsx(request, selection)
    return render(request, "programme/selection_detail.html", _detail_context(selection))


@login_required
@require_POST
def selection_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selection = _round(request, pk)
    university = request.POST.get("university", "")
    uni = access(
        University.objects.visible_to(request.user),
        pk=int(university) if university.isdigit() else 0,
    )
    form = SelectionDecisionForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.selection_decide(
                actor=request.user,
                selection=selection,
                university=uni,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            errors = exc.messages
        except IntegrityError:
            errors = [_("该高校在本轮遴选中已有决定，请刷新后查看")]
        else:
            messages.success(request, _("已记录 %(name)s 的遴选决定") % {"name": uni.name})
            return redirect(reverse("programme:selection_detail", args=[pk]) + f"#u{uni.pk}")
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    context = _detail_context(selection)
    context.update({"error_for": uni.pk, "errors": errors, "form": form})
    return render(request, "programme/selection_detail.html", context, status=400)


@login_required
@require_POST
def selection_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selection = _round(request, pk)
    version = request.POST.get("expected_version", "")
    try:
        services.selection_close(
            actor=request.user,
            selection=selection,
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        show_conflict(request)
    else:
        messages.success(request, _("遴选已办结，入选高校已成为本批次牵头高校"))
    return redirect("programme:selection_detail", pk=pk)


def _selection_xlsx(request: AuthenticatedHttpRequest, selection: SelectionRound) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("遴选记录")
    bold = Font(bold=True)
    closed = (
        f"{selection.closed_by} {timezone.localtime(selection.closed_at):%Y-%m-%d %H:%M}"
        if selection.closed_at
        else _("进行中")
    )
    for label, value in (
        (_("遴选名称"), selection.title),
        (_("批次"), selection.batch.name),
        (_("遴选依据"), selection.basis),
        (
            _("发起"),
            f"{selection.opened_by} {timezone.localtime(selection.opened_at):%Y-%m-%d %H:%M}",
        ),
        (_("办结"), closed),
    ):
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = bold
    sheet.append([])
    header = [
        _("学校标识码"),
        _("高校"),
        _("党建示范认定"),
        _("决定"),
        _("理由"),
        _("决定人"),
        _("决定时间"),
    ]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    rows = rollout.round_rows(selection)
    for row in rows:
        d = row.decision
        sheet.append(
            [
                row.university.code,
                row.university.name,
                d.recognitions if d else services.recognition_text(row.recognitions) or _("无认定"),
                d.get_outcome_display() if d else _("未决定"),
                d.reason if d else "",
                str(d.decided_by) if d else "",
                f"{timezone.localtime(d.decided_at):%Y-%m-%d %H:%M}" if d else "",
            ]
        )
        sheet.cell(sheet.max_row, 3).alignment = Alignment(wrap_text=True)
    for col, width in zip("ABCDEFG", (14, 18, 48, 10, 40, 14, 18), strict=True):
        sheet.column_dimensions[col].width = width
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        instance=selection,
        changes={"rows": [None, len(rows)]},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(workbook, f"{_('遴选记录')}-{stamp}.xlsx")


# --- the batch's plan and the rollout ---------------------------------------------------------


@login_required
def batch_plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = access(Batch.objects.visible_to(request.user), pk=pk)
    require(is_province_admin(request.user))
    form = BatchPlanForm(request.POST or None, instance=batch, user=request.user)

    def update(data: dict[str, Any], version: int | None) -> Batch:
        targets = data.pop("target_regions", [])
        return services.batch_plan_update(
            actor=request.user,
            batch=batch,
            data=data,
            target_regions=targets,
            expected_version=version,
        )

    return form_page(
        request,
        form=form,
        title=_("批次推进计划：%(name)s") % {"name": batch.name},
        success_message=_("推进计划已保存"),
        back_url=reverse("programme:batch_detail", args=[batch.pk]),
        update=update,
        redirect_to=lambda obj: reverse("programme:batch_detail", args=[obj.pk]),
        template="programme/batch_plan_form.html",
    )


@login_required
def rollout_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(is_province_admin(request.user))
    path = rollout.rollout(request.user)
    total = selectors.cumulative(selectors.coverage(request.user))
    return render(
        request,
        "programme/rollout.html",
        {
            "rollout": path,
            "chart": path.chart(),
            "coverage": total,
            "handovers": PairingHandover.objects.select_related(
                "region",
                "from_pairing__group",
                "from_pairing__batch",
                "to_pairing__group",
                "to_pairing__batch",
                "decided_by",
            )[:20],
        },
    )
