from django.contrib.auth import views as auth_views
from django.urls import path

from handinhand.accounts import language, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("language/", language.language_view, name="language"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/roles/new/", views.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("roles/schools/", views.school_search, name="school_search"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("password-resets/", views.reset_request_list, name="reset_request_list"),
    path(
        "password-resets/<int:pk>/approve/",
        views.reset_request_decide,
        {"decision": "approve"},
        name="reset_request_approve",
    ),
    path(
        "password-resets/<int:pk>/refuse/",
        views.reset_request_decide,
        {"decision": "refuse"},
        name="reset_request_refuse",
    ),
]
