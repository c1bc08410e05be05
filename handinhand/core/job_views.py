"""The progress of a background job, for its creator and province admins (404 for anyone else)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from handinhand.core.models import Job
from handinhand.core.views_helpers import access


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = access(Job.objects.visible_to(request.user), pk=pk)
    htmx = getattr(request, "htmx", False)
    template = "core/job_progress.html" if htmx else "core/job_detail.html"
    return render(request, template, {"job": job})
