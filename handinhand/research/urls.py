from django.urls import path

from handinhand.research import views

app_name = "research"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/apply/", views.application_create, name="application_create"),
    path("calls/<int:pk>/decision/", views.call_decision, name="call_decision"),
    path("calls/<int:pk>/rank/", views.call_rank, name="call_rank"),
    path("calls/<int:pk>/publish/", views.call_publish, name="call_publish"),
    path("calls/<int:pk>/results.xlsx", views.call_results, name="call_results"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/files/", views.application_file, name="application_file"),
    path(
        "applications/<int:pk>/recommend/",
        views.application_recommend,
        name="application_recommend",
    ),
    path("applications/<int:pk>/assign/", views.review_assign, name="review_assign"),
    path("applications/<int:pk>/override/", views.decision_override, name="decision_override"),
    path("applications/<int:pk>/report/", views.project_report, name="project_report"),
    path("applications/<int:pk>/notice.docx", views.notice_download, name="notice_download"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/", views.review, name="review"),
]
