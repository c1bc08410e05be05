from django.urls import path

from handinhand.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_create, name="create"),
    path("badge/", views.unread_badge, name="badge"),
    path("audience/", views.audience_search, name="audience_search"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("<int:pk>/receipts/", views.notice_receipts, name="receipts"),
    path("<int:pk>/remind/", views.notice_remind, name="remind"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
