from django.urls import path

from handinhand.guidance import views

app_name = "guidance"
urlpatterns = [
    path("workbench/", views.workbench, name="workbench"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/districts/", views.coverage_districts, name="coverage_districts"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/calendar/", views.visit_calendar, name="visit_calendar"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/held/", views.visit_mark_held, name="visit_mark_held"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visits/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("visits/<int:pk>/docx/", views.visit_docx, name="visit_docx"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/new/", views.finding_create, name="finding_create"),
    path("findings/stats/", views.finding_stats, name="finding_stats"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/answer/", views.finding_answer, name="finding_answer"),
    path("findings/<int:pk>/accept/", views.finding_accept, name="finding_accept"),
    path("findings/<int:pk>/return/", views.finding_return, name="finding_return"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("brands/", views.brand_list, name="brand_list"),
    path("brands/new/", views.brand_create, name="brand_create"),
    path("brands/showcase/", views.brand_showcase, name="brand_showcase"),
    path("brands/<int:pk>/", views.brand_detail, name="brand_detail"),
    path("brands/<int:pk>/advance/", views.brand_advance, name="brand_advance"),
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/new/", views.resource_create, name="resource_create"),
    path("resources/<int:pk>/", views.resource_download, name="resource_download"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
