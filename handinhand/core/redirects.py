"""Where to go after a form: only ever a path of this site (no open redirect).

Every view that takes its redirect target from the request (a `next` field or parameter, the
Referer header) goes through `safe_next`, so that `next=https://evil.example/` — or its
disguises `//evil.example`, `https:evil.example`, `\\\\evil.example` — falls back to a page of ours.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_target(request: HttpRequest, target: str | None) -> bool:
    if not target:
        return False
    # Browsers read a backslash as a slash and drop tabs and newlines, so `/\evil` and
    # `/\t/evil` would leave the site; Django's check covers most of it, these make sure.
    if "\\" in target or any(ch in target for ch in "\t\r\n") or target.strip() != target:
        return False
    return url_has_allowed_host_and_scheme(
        target,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )


def safe_next(request: HttpRequest, fallback: str, *, field: str = "next") -> str:
    """The `next` value of the request if it points into this site, otherwise `fallback`."""
    target = request.POST.get(field) or request.GET.get(field)
    return target if target is not None and is_safe_target(request, target) else fallback
