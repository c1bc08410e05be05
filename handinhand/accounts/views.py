from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

login_view = auth_views.LoginView.as_view(template_name="accounts/login.html")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:  # replaced by the account pages
    raise NotImplementedError
