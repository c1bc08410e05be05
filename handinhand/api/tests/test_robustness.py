"""Defect 8 (API robustness): ids beyond 64 bits answer 422, not 500; every operation documents
422; every /api/ path answers JSON, unknown ones a JSON 404; `ordering` is an enumeration."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from handinhand.conftest import Cast

pytestmark = pytest.mark.django_db

HUGE = str(2**64 + 1)
OVER = str(2**63)  # one past the largest 64-bit signed integer

QUERY_IDS = [
    f"/api/v1/groups?batch={HUGE}",
    f"/api/v1/memberships?group={HUGE}",
    f"/api/v1/pairings?batch={HUGE}",
    f"/api/v1/pairings?group={OVER}",
    f"/api/v1/districts?group={HUGE}",
    f"/api/v1/districts?batch={HUGE}",
    f"/api/v1/evaluations?cycle={HUGE}",
    f"/api/v1/evaluations?school={OVER}",
]
PATH_IDS = [
    f"/api/v1/universities/{HUGE}",
    f"/api/v1/schools/{HUGE}",
    f"/api/v1/groups/{OVER}",
    f"/api/v1/districts/{HUGE}",
    f"/api/v1/frameworks/{HUGE}",
    f"/api/v1/evaluations/{HUGE}",
]


@pytest.mark.parametrize("url", QUERY_IDS + PATH_IDS)
def test_an_id_beyond_64_bits_is_422(cast: Cast, api_for: Any, url: str) -> None:
    response = api_for(cast.province_admin).get(url)
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "提交的数据有误，请检查后重试"


@pytest.mark.parametrize("value", ["0", "-1"])
def test_ids_start_at_one(cast: Cast, api_for: Any, value: str) -> None:
    assert api_for(cast.province_admin).get(f"/api/v1/groups?batch={value}").status_code == 422


def test_the_largest_id_is_accepted(cast: Cast, api_for: Any) -> None:
    response = api_for(cast.province_admin).get(f"/api/v1/groups?batch={2**63 - 1}")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_ids_in_a_body_beyond_64_bits_are_422(cast: Cast, api_for: Any) -> None:
    client = api_for(cast.province_admin)
    body = {"school_ids": [int(HUGE)]}
    response = client.post(
        f"/api/v1/districts/{cast.district.pk}/schools",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    patch = client.patch(
        f"/api/v1/schools/{cast.school.pk}",
        json.dumps({"version": int(HUGE), "name": "x"}),
        content_type="application/json",
    )
    assert patch.status_code == 422, patch.content


def test_every_operation_documents_422(cast: Cast, api_for: Any) -> None:
    document = api_for(cast.county_user).get("/api/v1/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "422" not in operation["responses"]
    ]
    assert missing == []


def test_id_parameters_are_documented_with_their_range(cast: Cast, api_for: Any) -> None:
    document = api_for(cast.county_user).get("/api/v1/openapi.json").json()
    groups = document["paths"]["/api/v1/groups"]["get"]["parameters"]
    batch = next(p for p in groups if p["name"] == "batch")
    schema = json.dumps(batch["schema"])
    assert '"minimum": 1' in schema and f'"maximum": {2**63 - 1}' in schema
    detail = document["paths"]["/api/v1/schools/{school_id}"]["get"]["parameters"]
    assert f'"maximum": {2**63 - 1}' in json.dumps(detail)


def test_ordering_is_documented_as_an_enumeration(cast: Cast, api_for: Any) -> None:
    document = api_for(cast.county_user).get("/api/v1/openapi.json").json()
    text = json.dumps(document)
    found = 0
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] != "ordering":
                    continue
                found += 1
                assert "enum" in json.dumps(parameter["schema"]) or "$ref" in json.dumps(
                    parameter["schema"]
                ), path
    assert found >= 6
    assert '"-student_count"' in text and '"student_count"' in text


def test_ordering_by_an_enumerated_value_still_works(cast: Cast, api_for: Any) -> None:
    client = api_for(cast.province_admin)
    response = client.get("/api/v1/schools?ordering=-student_count")
    assert response.status_code == 200
    counts = [s["student_count"] for s in response.json()["items"]]
    assert counts == sorted(counts, reverse=True)
    assert client.get("/api/v1/schools?ordering=password").status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nothing-here",
        "/api/v1/schools/12/nothing",
        "/api/v1/",
        "/api/v2/schools",
        "/api/",
        "/api",
        "/api/v1/docs/assets/secret.txt",
    ],
)
def test_unknown_api_paths_answer_json_404(cast: Cast, api_for: Any, url: str) -> None:
    for client in (api_for(cast.county_user), Client()):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert response["Content-Type"].startswith("application/json"), url
        assert response.json()["detail"] == "未找到"


def test_api_answers_to_a_token_are_not_stored(cast: Cast, api_for: Any) -> None:
    """Issue 9, defect 9: no-store on API answers too (a token is a signed-in caller)."""
    response = api_for(cast.county_user).get("/api/v1/schools")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
