"""The project's URLs plus the Django admin, and two bare views, mounted for the benchmarks only:
`bench/bare/` answers "ok" through every middleware (the ceiling of the load test), and
`bench/base/` renders the base template with nothing of its own, which shows what every page
pays before its own work (session, user, scope, navigation)."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    """The ceiling of benchmarks/load.py: a logged-in request through every middleware of the
    project (sessions, authentication, account security, CSRF, locale, audit context …) to a
    view that does no work of its own."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def base(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html", {})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/base/", base, name="bench_base"),
    *project_urlpatterns,
]
