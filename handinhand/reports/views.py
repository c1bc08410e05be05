from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.uploads import serve_generated
from handinhand.core.views_helpers import access, form_page, require, show_conflict
from handinhand.reports import selectors, services
from handinhand.reports.access import can_edit, can_generate, is_department, is_leader
from handinhand.reports.documents import report_docx as build_docx
from handinhand.reports.figures import figure_sections
from handinhand.reports.forms import GenerateForm, ReportFilterForm, ReportForm, ReturnForm
from handinhand.reports.models import AnnualReport, ReportJob

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

REPORT_LIST = ListSpec(
    title=_lazy("年度报告"),
    queryset=selectors.reports_for_list,
    columns=[
        Column("title", _lazy("报告"), link=True),
        Column("year", _lazy("年度"), sort="year"),
        Column("group.get_level_display", _lazy("层级"), sort="group__level"),
        Column("status", _lazy("状态"), sort="status"),
        Column("due_date", _lazy("截止日期")),
        Column("overdue_label", _lazy("逾期")),
        Column("submitted_at", _lazy("提交时间"), sort="submitted_at"),
        Column("submitted_by", _lazy("提交人"), export_only=True),
    ],
    search_fields=["group__name"],
    default_sort="-year",
    filter_form=ReportFilterForm,
    detail_url="reports:report_detail",
    export_name="reports.annualreport",
)


@login_required
def report_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    spec = REPORT_LIST
    if can_generate(request.user):
        spec = ListSpec(
            **{
                **REPORT_LIST.__dict__,
                "extra_actions": [(reverse("reports:report_generate"), _("生成年度报告草稿"))],
            }
        )
    return render_list(request, spec)


def _report(request: AuthenticatedHttpRequest, pk: int) -> AnnualReport:
    return access(selectors.report_detail_qs(request.user), pk=pk)


@login_required
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    context = {
        "report": report,
        "sections": figure_sections(report.figures or {}),
        "can_edit": can_edit(request.user, report),
        "is_department": is_department(request.user, report.group),
        "return_form": ReturnForm(),
    }
    return render(request, "reports/report_detail.html", context)


@login_required
def report_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(can_edit(request.user, report))
    form = ReportForm(request.POST or None, instance=report)

    return form_page(
        request,
        form=form,
        title=_("填写：%(title)s") % {"title": report.title},
        success_message=_("报告已保存"),
        back_url=report.get_absolute_url(),
        update=lambda data, version: services.report_update(
            actor=request.user, report=report, data=data, expected_version=version
        ),
    )


def _act(
    request: AuthenticatedHttpRequest, report: AnnualReport, action: Any, done: str
) -> HttpResponse:
    try:
        action()
    except PermissionDeniedError:
        require(False)
    except ConflictError:
        show_conflict(request)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def report_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(is_leader(request.user, report.group))
    version = request.POST.get("expected_version")
    return _act(
        request,
        report,
        lambda: services.report_submit(
            actor=request.user,
            report=report,
            expected_version=int(version) if version and version.isdigit() else None,
        ),
        _("报告已提交"),
    )


@login_required
@require_POST
def report_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(is_department(request.user, report.group))
    return _act(
        request,
        report,
        lambda: services.report_acknowledge(actor=request.user, report=report),
        _("已签收"),
    )


@login_required
def report_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(is_department(request.user, report.group))
    form = ReturnForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("退回：%(title)s") % {"title": report.title},
        success_message=_("报告已退回"),
        back_url=report.get_absolute_url(),
        save=lambda data: services.report_return(
            actor=request.user, report=report, reason=data["return_reason"]
        ),
    )


@login_required
def report_docx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return serve_generated(build_docx(report), "docx", f"{report.title}.docx")


@login_required
def report_generate(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_generate(request.user))
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        job = services.job_start(actor=request.user, year=form.cleaned_data["year"])
        return redirect("reports:job_detail", pk=job.pk)
    jobs = ReportJob.objects.select_related("created_by")[:10]
    return render(request, "reports/generate.html", {"form": form, "jobs": jobs})


@login_required
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(can_generate(request.user))
    job = access(ReportJob.objects.select_related("created_by"), pk=pk)
    template = "reports/job_detail.html"
    if getattr(request, "htmx", False):
        template += "#progress"
    return render(request, template, {"job": job})
