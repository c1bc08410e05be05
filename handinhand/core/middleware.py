from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from handinhand.core.request_context import client_ip, request_ip


class RequestContextMiddleware:
    """Keeps the client IP where the audit log can read it, so services need no request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)


class SecurityHeadersMiddleware:
    """The Content-Security-Policy on every answer, and `Cache-Control: no-store` on every
    answer to a signed-in user (pages, fragments, exports), so that no shared or back-button
    cache keeps personal data after logout (等保 2.0 level 3: residual information)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = getattr(settings, "CONTENT_SECURITY_POLICY", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        # The API's token callers are signed in too (django-ninja sets request.auth).
        if signed_in or getattr(request, "auth", None) is not None:
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"  # HTTP/1.0 proxies
        return response
