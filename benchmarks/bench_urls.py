"""The project's URLs plus the Django admin, mounted for the benchmark's comparison only, and a
bare signed-in page (the base template, nothing of its own) that shows what every page pays
before its own work: middleware, session, user, scope, navigation."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html", {})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("bench/bare/", bare),
    *project_urlpatterns,
]
