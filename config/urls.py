from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("handinhand.core.urls")),
    path("accounts/", include("handinhand.accounts.urls")),
    path("orgs/", include("handinhand.orgs.urls")),
    path("programme/", include("handinhand.programme.urls")),
    path("indicators/", include("handinhand.indicators.urls")),
    path("guidance/", include("handinhand.guidance.urls")),
    path("meetings/", include("handinhand.meetings.urls")),
    path("reports/", include("handinhand.reports.urls")),
    path("training/", include("handinhand.training.urls")),
    path("incentives/", include("handinhand.incentives.urls")),
    path("funding/", include("handinhand.funding.urls")),
    path("api/v1/", include("handinhand.api.urls")),
]

# Django's admin needs a superuser, which 三员分立 rules out in production; it is mounted only
# where a deployment or a benchmark (the admin changelist is its comparison) asks for it.
if settings.ENABLE_DJANGO_ADMIN:
    urlpatterns.append(path("admin/", admin.site.urls))
