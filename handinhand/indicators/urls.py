from django.urls import path

from handinhand.indicators import views

app_name = "indicators"
urlpatterns = [
    path("frameworks/", views.framework_list, name="framework_list"),
    path("frameworks/new/", views.framework_create, name="framework_create"),
    path("frameworks/<int:pk>/", views.framework_detail, name="framework_detail"),
    path("frameworks/<int:pk>/edit/", views.framework_edit, name="framework_edit"),
    path("frameworks/<int:pk>/publish/", views.framework_publish, name="framework_publish"),
    path("frameworks/<int:pk>/copy/", views.framework_copy, name="framework_copy"),
    path("frameworks/<int:pk>/export.xlsx", views.framework_export, name="framework_export"),
    path("frameworks/<int:pk>/import/", views.framework_import, name="framework_import"),
    path("frameworks/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/progress/", views.cycle_progress, name="cycle_progress"),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/self/", views.evaluation_fill, name="evaluation_fill"),
    path("evaluations/<int:pk>/review/", views.evaluation_review, name="evaluation_review"),
    path(
        "evaluations/<int:pk>/self/autosave/",
        views.evaluation_self_autosave,
        name="evaluation_self_autosave",
    ),
    path(
        "evaluations/<int:pk>/review/autosave/",
        views.evaluation_review_autosave,
        name="evaluation_review_autosave",
    ),
    path("evaluations/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evaluations/<int:pk>/move/", views.evaluation_move, name="evaluation_move"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evaluations/<int:pk>/report/", views.report_card, name="report_card"),
    path("evaluations/<int:pk>/report.docx", views.report_card_docx, name="report_card_docx"),
    path("analytics/", views.analytics_page, name="analytics"),
]
