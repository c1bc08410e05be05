from __future__ import annotations

from collections.abc import Callable

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
