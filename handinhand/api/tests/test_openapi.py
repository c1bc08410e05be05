"""The OpenAPI document and the documentation page: valid JSON listing every path, for
signed-in users and token holders, and Swagger UI served by the app itself (no CDN)."""

from __future__ import annotations

import json
import re

from django.test import Client

EXPECTED_PATHS = {
    "/api/v1/regions": {"get"},
    "/api/v1/regions/{code}": {"get"},
    "/api/v1/universities": {"get"},
    "/api/v1/universities/{university_id}": {"get"},
    "/api/v1/schools": {"get", "post"},
    "/api/v1/schools/{school_id}": {"get", "patch"},
    "/api/v1/batches": {"get"},
    "/api/v1/groups": {"get"},
    "/api/v1/groups/{group_id}": {"get"},
    "/api/v1/memberships": {"get"},
    "/api/v1/pairings": {"get"},
    "/api/v1/districts": {"get"},
    "/api/v1/districts/{district_id}": {"get"},
    "/api/v1/districts/{district_id}/schools": {"post"},
    "/api/v1/coverage": {"get"},
    "/api/v1/frameworks": {"get"},
    "/api/v1/frameworks/{framework_id}": {"get"},
    "/api/v1/evaluations": {"get"},
    "/api/v1/evaluations/{evaluation_id}": {"get"},
    "/api/v1/evaluations/{evaluation_id}/self-assessment": {"put"},
    "/api/v1/evaluations/{evaluation_id}/review": {"put"},
    "/api/v1/evaluations/{evaluation_id}/transitions": {"post"},
    "/api/v1/assessment-years": {"get", "post"},
    "/api/v1/assessments": {"get"},
    "/api/v1/assessments/{assessment_id}": {"get"},
    "/api/v1/assessments/{assessment_id}/summary": {"post"},
    "/api/v1/assessments/{assessment_id}/proposal": {"post"},
    "/api/v1/assessments/{assessment_id}/confirmation": {"post"},
    "/api/v1/assessments/{assessment_id}/return": {"post"},
    "/api/v1/assessments/{assessment_id}/objections": {"post"},
    "/api/v1/priorities": {"get"},
    "/api/v1/priorities/{priority_id}/application": {"post"},
    "/api/v1/research-calls": {"get", "post"},
    "/api/v1/research-calls/{call_id}/applications": {"post"},
    "/api/v1/research-calls/{call_id}/ranking": {"post"},
    "/api/v1/research-calls/{call_id}/publication": {"post"},
    "/api/v1/research-applications": {"get"},
    "/api/v1/research-applications/{application_id}": {"get"},
    "/api/v1/research-applications/{application_id}/submission": {"post"},
    "/api/v1/research-applications/{application_id}/recommendation": {"post"},
    "/api/v1/research-applications/{application_id}/reviews": {"post"},
    "/api/v1/research-applications/{application_id}/override": {"post"},
    "/api/v1/research-reviews": {"get"},
    "/api/v1/research-reviews/{review_id}/scores": {"post"},
    "/api/v1/funding/allocations": {"get", "post"},
    "/api/v1/funding/disbursements": {"get", "post"},
    "/api/v1/funding/disbursements/{disbursement_id}/corrections": {"post"},
    "/api/v1/funding/expenses": {"get", "post"},
    "/api/v1/funding/expenses/{expense_id}/corrections": {"post"},
    "/api/v1/funding/month-closes": {"get", "post"},
    "/api/v1/funding/execution/{university_id}": {"get"},
    "/api/v1/notices": {"get", "post"},
    "/api/v1/notices/published": {"get"},
    "/api/v1/notices/{notice_id}": {"get", "patch"},
    "/api/v1/notices/{notice_id}/receipts": {"get"},
    "/api/v1/notices/{notice_id}/unread": {"get"},
    "/api/v1/notices/{notice_id}/reminders": {"post"},
}


def test_openapi_document_lists_every_path(cast, api_for):
    response = api_for(cast.county_user).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "大手拉小手 党建指导工作平台 接口"
    assert {path: set(ops) for path, ops in document["paths"].items()} == EXPECTED_PATHS
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    patch = document["paths"]["/api/v1/schools/{school_id}"]["patch"]
    assert set(patch["responses"]) == {"200", "404", "409", "422"}
    assert "version" in document["components"]["schemas"]["SchoolPatch"]["required"]
    # Every $ref points at a schema the document defines.
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', response.content.decode()))
    assert refs <= set(document["components"]["schemas"])


def test_openapi_document_for_a_session(cast, client_for):
    response = client_for(cast.outsider).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/schools" in response.json()["paths"]


def test_openapi_document_needs_a_user(cast):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 401
    assert response.json()["detail"] == "未登录，或接口令牌无效、已吊销、已过期"
    wrong = Client(headers={"Authorization": "Bearer hh_wrong"}).get("/api/v1/openapi.json")
    assert wrong.status_code == 401


def test_docs_page_needs_login(cast):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_docs_page_uses_local_swagger_ui_only(cast, client_for):
    response = client_for(cast.county_user).get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in sources
    assert "/api/v1/docs/assets/swagger-ui.css" in sources
    assert all(s.startswith("/") for s in sources), sources  # nothing from another host
    assert "cdn" not in page.lower()
    found = re.search(r'id="swagger-settings">(.*?)</script>', page, re.S)
    assert found is not None
    settings = json.loads(found.group(1))
    assert settings["url"] == "/api/v1/openapi.json"
    assert settings["validatorUrl"] is None


def test_swagger_assets_are_served_from_the_ninja_package(cast):
    client = Client()
    js = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200
    assert b"SwaggerUIBundle" in js.getvalue()
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200
    # Only the listed files: no path tricks into the package or elsewhere.
    assert client.get("/api/v1/docs/assets/redoc.standalone.js").status_code == 404
    assert client.get("/api/v1/docs/assets/..%2F__init__.py").status_code == 404


def test_answers_are_utf8_json_with_chinese_unescaped(cast, api_for):
    response = api_for(cast.county_user).get("/api/v1/schools")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "湘东区第一小学".encode() in response.content
    assert b"\\u" not in response.content
