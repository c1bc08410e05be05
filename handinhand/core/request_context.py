from __future__ import annotations

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the audit log.

    Behind the intranet's reverse proxy (TRUST_X_FORWARDED_FOR) the address is the hop that the
    proxy itself appended — the right-most one; anything left of it was sent by the client and
    could be forged. A value that is not an IP address falls back to REMOTE_ADDR, so a bad
    header can neither forge the log nor break the write that records it.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            return _valid_ip(hops[-1]) or remote
    return remote
