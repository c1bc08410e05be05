from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:  # replaced by the audit log page
    raise NotImplementedError


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
