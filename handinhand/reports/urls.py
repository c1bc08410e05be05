from django.urls import path

from handinhand.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("generate/", views.report_generate, name="report_generate"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("<int:pk>/acknowledge/", views.report_acknowledge, name="report_acknowledge"),
    path("<int:pk>/return/", views.report_return, name="report_return"),
    path("<int:pk>/report.docx", views.report_docx, name="report_docx"),
]
