from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

# Placeholders, replaced by the programme pages.


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


group_list = membership_list = pairing_list = district_list = coverage_page = batch_list
