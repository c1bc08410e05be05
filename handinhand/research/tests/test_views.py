"""Pages of a research call: the flow through forms, the decision page, downloads, blind
review, and pinned query counts of the list pages."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from handinhand.research import services
from handinhand.research.models import AppStatus, ResearchApplication
from handinhand.research.tests.factories import (
    a_call,
    apply,
    expert,
    ranked_call,
    submitted,
)

pytestmark = pytest.mark.django_db


def client(user):
    c = Client()
    c.force_login(user)
    return c


def test_apply_submit_recommend_through_pages(cast):
    call = a_call(cast)
    me = client(cast.instructor)
    page = me.get(call.get_absolute_url())
    assert "申报课题" in page.content.decode()
    response = me.post(
        reverse("research:application_create", args=[call.pk]),
        {
            "title": "党组织领导的校长负责制研究",
            "direction": "制度建设",
            "plan": "调研",
            "budget": "30000",
            "team": "instructor_jxufe\nnobody",
        },
    )
    assert response.status_code == 400 and "nobody" in response.content.decode()
    response = me.post(
        reverse("research:application_create", args=[call.pk]),
        {"title": "课题", "direction": "制度建设", "plan": "调研", "budget": "30000"},
    )
    app = ResearchApplication.objects.get()
    assert response.status_code == 302
    detail = me.get(app.get_absolute_url()).content.decode()
    assert "单列计划资格" in detail and "南昌大学党建指导组" in detail
    me.post(reverse("research:application_submit", args=[app.pk]))
    contact = client(cast.unit_contact)
    bad = contact.post(
        reverse("research:application_recommend", args=[app.pk]), {"decision": "return"}
    )
    assert bad.status_code == 400 and "说明原因" in bad.content.decode()
    contact.post(
        reverse("research:application_recommend", args=[app.pk]), {"decision": "recommend"}
    )
    app.refresh_from_db()
    assert app.status == AppStatus.RECOMMENDED


def test_blind_reviewer_sees_no_names_and_scores(cast):
    call = a_call(cast)
    app = submitted(cast, call, cast.instructor, title="党组织领导的校长负责制研究")
    row = services.review_assign(actor=cast.province_admin, application=app, reviewer=expert(cast))
    reviewer = client(expert(cast))
    page = reviewer.get(app.get_absolute_url()).content.decode()
    assert "李指导" not in page and "南昌大学" not in page and "盲评" in page
    # Who recommended it would name the applicant's unit: hidden too, on the page and the API.
    app.refresh_from_db()
    assert app.recommended_by is not None and str(app.recommended_by) not in page
    api = reviewer.get(f"/api/v1/research-applications/{app.pk}").json()
    assert not api.get("proposed_reason") and str(app.recommended_by) not in str(api)
    url = reverse("research:review", args=[row.pk])
    data = {f"item_{i}": v for i, v in enumerate([21, 20, 20, 20, 10])}
    bad = reviewer.post(url, data)
    assert bad.status_code == 400 and "0 到 20" in bad.content.decode()
    data["item_0"] = 19
    assert reviewer.post(url, data).status_code == 302
    row.refresh_from_db()
    assert str(row.total) == "89.00"


def test_decision_page_explains_and_exports(cast):
    call, mine, other = ranked_call(cast)
    admin = client(cast.province_admin)
    page = admin.get(reverse("research:call_decision", args=[call.pk])).content.decode()
    assert "指导组成员优先" in page and "名额已满" in page
    no_reason = admin.post(
        reverse("research:decision_override", args=[other.pk]), {"approved": "1", "reason": ""}
    )
    assert no_reason.status_code == 400
    xlsx = admin.get(reverse("research:call_results", args=[call.pk]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["B2"].value == mine.title and sheet["J2"].value == "立项"
    admin.post(reverse("research:call_publish", args=[call.pk]))
    notice = client(cast.instructor).get(reverse("research:notice_download", args=[mine.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert "立项通知" in text and mine.title in text


def test_list_pages_hold_their_query_count(cast, django_assert_max_num_queries):
    call = a_call(cast, places=30, quota=5)
    for i in range(3):
        apply(
            cast, call, cast.leader if i == 0 else cast.instructor, title=f"课题{i}"
        ) if i < 2 else None
    admin = client(cast.province_admin)
    admin.get(reverse("research:application_list"))  # warm the session
    with django_assert_max_num_queries(12):
        assert admin.get(reverse("research:application_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert admin.get(reverse("research:call_list")).status_code == 200
    reviewer = client(expert(cast))
    reviewer.get(reverse("research:review_list"))
    with django_assert_max_num_queries(12):
        assert reviewer.get(reverse("research:review_list")).status_code == 200


def test_menu_shows_research(cast):
    page = client(cast.instructor).get("/").content.decode()
    assert "党建研究课题" in page
    assert "党建研究课题" not in client(cast.audit_admin).get("/").content.decode()
