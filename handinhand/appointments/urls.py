from django.urls import path

from handinhand.appointments import views

app_name = "appointments"
urlpatterns = [
    path("", views.set_list, name="set_list"),
    path("groups/<int:group_pk>/new/", views.set_create, name="set_create"),
    path("<int:pk>/", views.set_detail, name="set_detail"),
    path("<int:pk>/edit/", views.set_edit, name="set_edit"),
    path("<int:pk>/submit/", views.set_submit, name="set_submit"),
    path("<int:pk>/approve-all/", views.set_approve_all, name="set_approve_all"),
    path("<int:pk>/nominations/new/", views.nomination_create, name="nomination_create"),
    path("nominations/<int:pk>/", views.nomination_edit, name="nomination_edit"),
    path("nominations/<int:pk>/approve/", views.nomination_approve, name="nomination_approve"),
    path("nominations/<int:pk>/return/", views.nomination_return, name="nomination_return"),
    path("nominations/<int:pk>/resubmit/", views.nomination_resubmit, name="nomination_resubmit"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination_withdraw"),
    path("nominations/<int:pk>/remove/", views.nomination_remove, name="nomination_remove"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("letters/", views.letter_list, name="letter_list"),
    path("letters/<int:pk>/", views.letter_download, name="letter_download"),
    path("roster/import/", views.roster_import, name="roster_import"),
    path("roster/template.xlsx", views.roster_template, name="roster_template"),
]
