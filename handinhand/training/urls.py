from django.urls import path

from handinhand.training import views

app_name = "training"
urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_create, name="session_create"),
    path("hours/", views.hours, name="hours"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("<int:pk>/attendance/", views.attendance_add, name="attendance_add"),
    path("<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("attendance/<int:pk>/remove/", views.attendance_remove, name="attendance_remove"),
    path("materials/<int:pk>/", views.material_download, name="material_download"),
]
