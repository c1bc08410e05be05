"""The requesting user's roles to an evaluation are asked once per request (issue 8)."""

from __future__ import annotations

from django.urls import reverse

from handinhand.indicators import workflow
from handinhand.indicators.models import EvaluationStatus as S
from handinhand.indicators.tests.test_evaluation_pages import _form


def test_saving_a_sheet_asks_the_roles_once(cast, evaluation, client_for, monkeypatch):
    calls = []
    real = workflow.actor_roles

    def counted(actor, ev):
        calls.append(ev.pk)
        return real(actor, ev)

    monkeypatch.setattr(workflow, "actor_roles", counted)
    url = reverse("indicators:evaluation_fill", args=[evaluation.pk])
    response = client_for(cast.school_user).post(url, _form(evaluation, action="submit"))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED
    assert calls == [evaluation.pk]
