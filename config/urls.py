from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from handinhand.api.errors import not_found as api_not_found
from handinhand.core import urls as core_urls
from handinhand.dashboard import views as dashboard_views

handler404 = "handinhand.api.errors.page_not_found"

urlpatterns = [
    path("", include("handinhand.dashboard.urls")),
    # "core:home" is the home page's name from before it moved to the dashboard, kept as an
    # alias for the tests and links written with it (the app itself says "dashboard:home").
    # It is added here, above every app, so that core needs no import of the dashboard.
    path(
        "",
        include(
            (
                [*core_urls.urlpatterns, path("", dashboard_views.home, name="home")],
                core_urls.app_name,
            )
        ),
    ),
    path("accounts/", include("handinhand.accounts.urls")),
    path("orgs/", include("handinhand.orgs.urls")),
    path("programme/", include("handinhand.programme.urls")),
    path("indicators/", include("handinhand.indicators.urls")),
    path("guidance/", include("handinhand.guidance.urls")),
    path("meetings/", include("handinhand.meetings.urls")),
    path("reports/", include("handinhand.reports.urls")),
    path("training/", include("handinhand.training.urls")),
    path("incentives/", include("handinhand.incentives.urls")),
    path("research/", include("handinhand.research.urls")),
    path("funding/", include("handinhand.funding.urls")),
    path("appointments/", include("handinhand.appointments.urls")),
    path("notices/", include("handinhand.notices.urls")),
    path("api/v1/", include("handinhand.api.urls")),
    re_path(r"^api(?:/|$)", api_not_found),  # other API versions and /api itself: JSON 404
]

# Django's admin needs a superuser, which 三员分立 rules out in production; it is mounted only
# where a deployment or a benchmark (the admin changelist is its comparison) asks for it.
if settings.ENABLE_DJANGO_ADMIN:
    urlpatterns.append(path("admin/", admin.site.urls))
