"""The API of frameworks, evaluations and scores: same scope, workflow and errors as pages."""

from __future__ import annotations

import json

import pytest

from handinhand.core.models import AuditAction, AuditEvent
from handinhand.indicators.models import EvaluationStatus as S
from handinhand.indicators.services import evaluation_leaves

pytestmark = pytest.mark.django_db
NOT_FOUND = {"detail": "未找到"}


def _put(client, url, payload):
    return client.put(url, json.dumps(payload), content_type="application/json")


def _scores(evaluation, score="1", text="说明"):
    return [
        {"indicator_id": leaf.pk, "score": score, "text": text}
        for leaf in evaluation_leaves(evaluation)
    ]


def test_frameworks_for_business_users_only(cast, sample, api_for):
    body = api_for(cast.school_user).get("/api/v1/frameworks").json()
    assert body["count"] == 1 and body["items"][0]["is_sample"] is True
    detail = api_for(cast.instructor).get(f"/api/v1/frameworks/{sample.pk}").json()
    assert len(detail["indicators"]) == 96
    assert detail["indicators"][2] == {
        **detail["indicators"][2],
        "code": "1.1.1",
        "level": 3,
        "parent_code": "1.1",
    }
    assert api_for(cast.audit_admin).get("/api/v1/frameworks").json()["count"] == 0
    response = api_for(cast.audit_admin).get(f"/api/v1/frameworks/{sample.pk}")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_evaluations_follow_school_scope(cast, cycle, api_for):
    names = {
        who: {
            e["school"]
            for e in api_for(getattr(cast, who)).get("/api/v1/evaluations").json()["items"]
        }
        for who in ("school_user", "city_user", "instructor_ecjtu", "system_admin")
    }
    assert names == {
        "school_user": {"湘东区第一小学"},
        "city_user": {"湘东区第一小学", "安源区实验中学"},
        "instructor_ecjtu": {"新余市渝水区第二小学"},
        "system_admin": set(),
    }
    other = cycle.evaluations.get(school=cast.school_xinyu)
    response = api_for(cast.school_user).get(f"/api/v1/evaluations/{other.pk}")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_the_workflow_through_the_api(cast, evaluation, api_for):
    url = f"/api/v1/evaluations/{evaluation.pk}"
    school = api_for(cast.school_user)
    bad = _scores(evaluation)
    bad[0]["score"] = "9"
    response = _put(school, f"{url}/self-assessment", {"version": 1, "submit": True, "scores": bad})
    assert response.status_code == 422
    assert response.json()["errors"][f"score_{bad[0]['indicator_id']}"] == [
        "得分应在 0 至 1.5 之间"
    ]
    response = _put(
        school,
        f"{url}/self-assessment",
        {"version": 1, "submit": True, "scores": _scores(evaluation)},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == S.SUBMITTED and body["self_total"] == "70.00"
    assert len(body["scores"]) == 70 and body["allowed_actions"] == []
    # An instructor of another district: 404; the district's instructor passes it.
    other = _put(
        api_for(cast.instructor_ecjtu),
        f"{url}/review",
        {"version": 2, "passed": True, "scores": _scores(evaluation)},
    )
    assert other.status_code == 404
    instructor = api_for(cast.instructor)
    response = _put(
        instructor, f"{url}/review", {"version": 2, "passed": True, "scores": _scores(evaluation)}
    )
    assert response.status_code == 200 and response.json()["status"] == S.REVIEWED
    # A stale version: 409, nothing changed.
    leader = api_for(cast.leader)
    stale = leader.post(
        f"{url}/transitions",
        json.dumps({"version": 2, "action": "confirm"}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    response = leader.post(
        f"{url}/transitions",
        json.dumps({"version": 3, "action": "confirm"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == S.CONFIRMED
    # Locked.
    response = _put(
        school, f"{url}/self-assessment", {"version": 4, "scores": _scores(evaluation, "0")}
    )
    assert response.status_code == 422 and "已确认并锁定" in json.dumps(
        response.json(), ensure_ascii=False
    )
    assert (
        AuditEvent.objects.filter(
            object_type="indicators.evaluation", action=AuditAction.UPDATE
        ).count()
        == 3
    )


def test_text_in_a_number_is_refused(cast, evaluation, api_for):
    scores = _scores(evaluation)
    scores[0]["score"] = "一点五"
    response = _put(
        api_for(cast.school_user),
        f"/api/v1/evaluations/{evaluation.pk}/self-assessment",
        {"version": 1, "scores": scores},
    )
    assert response.status_code == 422
