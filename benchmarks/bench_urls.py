"""The project's URLs plus the Django admin, and a bare view, mounted for the benchmarks only."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    """The ceiling of benchmarks/load.py: a logged-in request through every middleware of the
    project (sessions, authentication, account security, CSRF, locale, audit context …) to a
    view that does no work of its own."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("bench/bare/", bare, name="bench_bare"),
    *project_urlpatterns,
]
