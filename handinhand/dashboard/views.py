"""The home page (工作台): what each role the user holds needs first. The cockpit of DESIGN §7
grows here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from handinhand.accounts.models import Role
from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.inbox import inbox_items
from handinhand.core.inbox_views import inbox_rows
from handinhand.core.scope import get_scope
from handinhand.dashboard import home_figures
from handinhand.programme import selectors


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One section per role the user holds; each reads only what that role needs, so that the
    page costs a fixed number of queries however large the province."""
    user = request.user
    scope = get_scope(user)
    context: dict[str, Any] = {"scope": scope}
    if scope.everything or scope.staff_paths:
        context["overview"] = selectors.overview(user)
        # The province sees its cities; a bureau sees its own city or county in detail.
        context["overview_nested"] = not scope.everything
    if scope.group_ids:
        context["mine"] = selectors.my_programme(user)
    if Role.SCHOOL_USER in scope.roles:
        context["my_schools"] = selectors.schools_programme(user)
    context["admin_cards"] = [
        card
        for card, held in (
            ("system", scope.can_manage_users),
            ("security", scope.can_manage_roles),
            ("audit", scope.can_read_audit),
        )
        if held
    ]
    return render(request, "dashboard/home.html", context)


HOME_INBOX_TOP = 8


@login_required
def home_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The top of the home: the inbox's first items and the figures the user's roles answer
    for. Loaded by htmx after the page, so the home's own cost stays what it was."""
    user = request.user
    today = timezone.localdate()
    items = inbox_items(user, today)
    context = {
        "rows": inbox_rows(items[:HOME_INBOX_TOP], today),
        "total": len(items),
        "sections": home_figures.sections(user, get_scope(user), today),
    }
    return render(request, "dashboard/_home_work.html", context)
