"""Issue 9, defect 3: a visit to a 湘东区 school and an 安源区 school must not show the 安源区
school's name to those who see only 湘东区 — not in the list, its htmx fragment, its .xlsx, the
detail page nor the .docx. Those who see both schools see both names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from handinhand.core.tests.response_text import response_text as _text
from handinhand.guidance.tests.conftest import plan_visit

pytestmark = pytest.mark.django_db


def _pages(visit) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    detail = reverse("guidance:visit_detail", args=[visit.pk])
    listing = reverse("guidance:visit_list")
    return [
        (listing, {}, {}),
        (listing, {}, {"HTTP_HX_REQUEST": "true"}),
        (listing, {"export": "xlsx"}, {}),
        (detail, {}, {}),
        (reverse("guidance:visit_docx", args=[visit.pk]), {}, {}),
    ]


@pytest.mark.parametrize("who", ["school_user", "county_user"])
def test_out_of_scope_school_names_do_not_leak(cast, client_for, who):
    visit = plan_visit(cast, schools=[cast.school, cast.school_anyuan], title="两校联合指导")
    client = client_for(getattr(cast, who))
    for url, query, headers in _pages(visit):
        response = client.get(url, query, **headers)
        assert response.status_code == 200, url
        text = _text(response)
        assert "两校联合指导" in text or "export" in query, url
        assert cast.school.name in text, (url, query, headers)
        assert cast.school_anyuan.name not in text, (url, query, headers)


@pytest.mark.parametrize("who", ["city_user", "instructor"])
def test_who_sees_both_schools_sees_both_names(cast, client_for, who):
    visit = plan_visit(cast, schools=[cast.school, cast.school_anyuan], title="两校联合指导")
    client = client_for(getattr(cast, who))
    for url, query, headers in _pages(visit):
        text = _text(client.get(url, query, **headers))
        assert cast.school.name in text and cast.school_anyuan.name in text, (url, query)


def test_searching_an_out_of_scope_school_name_finds_nothing(cast, client_for):
    plan_visit(cast, schools=[cast.school, cast.school_anyuan], title="两校联合指导")
    url = reverse("guidance:visit_list")
    county = client_for(cast.county_user)
    assert "两校联合指导" not in _text(county.get(url, {"q": "安源区实验"}))
    assert "两校联合指导" in _text(county.get(url, {"q": "湘东区第一"}))
    assert "两校联合指导" in _text(county.get(url, {"q": "联合"}))
    city = client_for(cast.city_user)
    assert "两校联合指导" in _text(city.get(url, {"q": "安源区实验"}))
