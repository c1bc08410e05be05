from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

# Placeholders, replaced by the roster import.


@login_required
def school_import(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


school_template = school_import
