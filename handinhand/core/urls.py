from django.urls import path

from handinhand.core import audit_views, inbox_views, job_views

app_name = "core"
urlpatterns = [
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", audit_views.audit_detail, name="audit_detail"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/badge/", inbox_views.inbox_badge, name="inbox_badge"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/file/", job_views.job_file, name="job_file"),
    path("jobs/console/", job_views.job_console, name="job_console"),
    path("jobs/<int:pk>/retry/", job_views.job_retry_view, name="job_retry"),
    path("jobs/schedules/<str:name>/run/", job_views.schedule_run_view, name="schedule_run"),
]
