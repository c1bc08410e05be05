"""The progress of a background job, for its creator and province admins (404 for anyone else),
and the jobs console of the system administrator."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from handinhand.core.jobs import job_retry, max_retries
from handinhand.core.models import Job, JobStatus
from handinhand.core.schedule import get_schedule, schedule_run_now, schedule_statuses, schedules
from handinhand.core.scope import get_scope
from handinhand.core.uploads import serve_generated
from handinhand.core.views_helpers import access, require


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = access(Job.objects.visible_to(request.user), pk=pk)
    htmx = getattr(request, "htmx", False)
    template = "core/job_progress.html" if htmx else "core/job_detail.html"
    return render(request, template, {"job": job})


@login_required
def job_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The file a finished job wrote (an export): its creator's, like the job; none is offered
    before the job is done, so a worker that died mid-way offers nothing half-written."""
    job = access(Job.objects.visible_to(request.user), pk=pk)
    if job.status != JobStatus.DONE or not job.result_file:
        raise Http404
    with job.result_file.open("rb") as handle:
        data = handle.read()
    name = str(job.result.get("filename") or f"{job.kind}-{job.pk}.xlsx")
    return serve_generated(data, "xlsx", name)


# --- 定时任务与后台任务: the jobs console of the system administrator (三员分立) -----------------


def _require_sysadmin(request: HttpRequest) -> None:
    # The system administrator owns settings and jobs; anyone else gets the same 404.
    require(get_scope(request.user).can_manage_users)


@login_required
def job_console(request: HttpRequest) -> HttpResponse:
    _require_sysadmin(request)
    jobs = Job.objects.select_related("created_by").order_by("-created_at", "-id")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    if kind:
        jobs = jobs.filter(kind=kind)
    if status in JobStatus.values:
        jobs = jobs.filter(status=status)
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    kinds = sorted(
        {*Job.objects.values_list("kind", flat=True).distinct(), *(s.kind for s in schedules())}
    )
    context = {
        "page": page,
        "kind": kind,
        "status": status,
        "kinds": kinds,
        "statuses": JobStatus.choices,
        "schedules": schedule_statuses(),
        "max_retries": max_retries(),
        "query": urlencode({k: v for k, v in (("kind", kind), ("status", status)) if v}),
    }
    return render(request, "core/job_console.html", context)


@login_required
@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sysadmin(request)
    job = access(Job.objects.all(), pk=pk)
    try:
        job_retry(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, _("已重新加入队列：%(kind)s #%(pk)s") % {"kind": job.kind, "pk": pk}
        )
    return redirect("core:job_console")


@login_required
@require_POST
def schedule_run_view(request: HttpRequest, name: str) -> HttpResponse:
    _require_sysadmin(request)
    if get_schedule(name) is None:
        raise Http404
    job = schedule_run_now(actor=request.user, name=name)
    messages.success(request, _("已加入队列：%(kind)s #%(pk)s") % {"kind": job.kind, "pk": job.pk})
    return redirect("core:job_console")
