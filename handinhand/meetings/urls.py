from django.urls import path

from handinhand.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("group/<int:group_pk>/new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/status/", views.meeting_status, name="meeting_status"),
    path("<int:pk>/attendees/", views.attendance_add, name="attendance_add"),
    path("<int:pk>/sign-in/", views.sign_in, name="sign_in"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/qr/", views.meeting_qr, name="meeting_qr"),
    path("<int:pk>/qr/code/", views.meeting_qr_code, name="meeting_qr_code"),
    path("<int:pk>/checkin/", views.checkin_page, name="checkin"),
    path("<int:pk>/files/", views.file_add, name="file_add"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
    path("<int:pk>/actions/", views.action_add, name="action_add"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("compliance/", views.compliance, name="compliance"),
    path("calendar.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/", views.calendar_subscription, name="calendar_subscription"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_token_feed, name="calendar_token_feed"),
    path("todos/", views.todo_list, name="todo_list"),
    path("todos/<int:pk>/done/", views.todo_done, name="todo_done"),
]
