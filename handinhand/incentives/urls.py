from django.urls import path

from handinhand.incentives import views

app_name = "incentives"
urlpatterns = [
    path("", views.assessment_list, name="assessment_list"),
    path("mine/", views.my_history, name="my_history"),
    path("verify/", views.verify, name="verify"),
    path("years/", views.year_list, name="year_list"),
    path("years/open/", views.year_open, name="year_open"),
    path("years/<int:pk>/", views.year_detail, name="year_detail"),
    path("years/<int:pk>/publicise/", views.year_publicise, name="year_publicise"),
    path("years/<int:pk>/finalise/", views.year_finalise, name="year_finalise"),
    path("years/<int:pk>/refresh/", views.year_refresh, name="year_refresh"),
    path("years/<int:pk>/letters/", views.year_letters, name="year_letters"),
    path("years/<int:pk>/publicity/", views.year_publicity, name="year_publicity"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("<int:pk>/summary/", views.assessment_summary, name="assessment_summary"),
    path("<int:pk>/propose/", views.assessment_propose, name="assessment_propose"),
    path("<int:pk>/confirm/", views.assessment_confirm, name="assessment_confirm"),
    path("<int:pk>/return/", views.assessment_return, name="assessment_return"),
    path("<int:pk>/correct/", views.assessment_correct, name="assessment_correct"),
    path("<int:pk>/objection/", views.objection_create, name="objection_create"),
    path("<int:pk>/letter.docx", views.letter_download, name="letter_download"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("priorities/", views.priority_list, name="priority_list"),
    path("priorities/<int:pk>/record/", views.priority_record, name="priority_record"),
    path("units/", views.unit_counts, name="unit_counts"),
]
