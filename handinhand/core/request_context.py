from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    # Behind the intranet's reverse proxy the client is the first X-Forwarded-For hop; only
    # trusted when the deployment says a proxy is in front (TRUST_X_FORWARDED_FOR).
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45]
    return request.META.get("REMOTE_ADDR")
