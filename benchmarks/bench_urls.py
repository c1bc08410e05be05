"""The project's URLs plus the Django admin, mounted for the benchmark's comparison only."""

from django.contrib import admin
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("admin/", admin.site.urls), *project_urlpatterns]
