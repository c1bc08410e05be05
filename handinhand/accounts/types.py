"""The request a view behind `login_required` receives (the django-stubs pattern).

`HttpRequest.user` is `User | AnonymousUser`; once `login_required` has let the request through
it is a `User`, and services and selectors take a `User`.
"""

from __future__ import annotations

from django.http import HttpRequest

from handinhand.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
