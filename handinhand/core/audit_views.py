from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

# Placeholders, replaced by the audit log pages.


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


audit_detail = audit_list
