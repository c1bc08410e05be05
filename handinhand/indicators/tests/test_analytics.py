"""Analytics from the summary rows: the figures, their scope, the export, the queries."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from handinhand.indicators.analytics import analytics
from handinhand.indicators.tests.conftest import confirm, make_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cycles(cast):
    old = make_cycle(cast, "2024年度", 2024)
    confirm(cast, old.evaluations.get(school=cast.school), review=Decimal("0.5"))
    new = make_cycle(cast, "2025年度", 2025)
    confirm(cast, new.evaluations.get(school=cast.school), review=Decimal(1))
    return old, new


def _figure(result, key):
    return next(f for f in result.figures if f.key == key)


def test_figures_for_the_province(cast, two_cycles):
    old, new = two_cycles
    result = analytics(cast.province_admin, new)
    assert result.by == "city" and result.previous == old
    heat = _figure(result, "heatmap")
    assert heat.rows == [["萍乡市", 14.0, 11.0, 14.0, 10.0, 11.0, 10.0]]
    assert _figure(result, "grades").rows == [["优秀", 0], ["良好", 0], ["合格", 1], ["不合格", 0]]
    weakest = _figure(result, "weakest")
    assert len(weakest.rows) == 10
    assert {r[4] for r in weakest.rows} == {66.67}  # 1 of 1.5 points
    progress = {r[0]: r[1:] for r in _figure(result, "progress").rows}
    assert progress["萍乡市"] == [1, 0, 0, 0, 1] and progress["南昌市"] == [1, 0, 0, 0, 0]
    assert _figure(result, "yoy").rows == [["萍乡市", 35.0, 70.0, 35.0]]


def test_a_county_user_sees_counties_of_their_own(cast, two_cycles):
    result = analytics(cast.county_user, two_cycles[1])
    assert result.by == "county"
    assert [r[0] for r in _figure(result, "progress").rows] == ["湘东区"]
    result = analytics(cast.instructor_ecjtu, two_cycles[1])
    assert [r[0] for r in _figure(result, "progress").rows] == ["渝水区"]
    assert _figure(result, "heatmap").rows == []  # nothing confirmed in 新余


def test_page_and_export(cast, two_cycles, client_for, django_assert_max_num_queries):
    client = client_for(cast.city_user)
    url = reverse("indicators:analytics")
    # A fixed number of grouped reads, however many schools and regions (18: the first
    # request also reads the scope's version and its counties, issue 15).
    with django_assert_max_num_queries(18):
        response = client.get(url)
    html = response.content.decode()
    assert "各地区一级指标平均得分（图为得分率%）" in html
    assert "平均总分同比（2024年度 → 2025年度）" in html
    assert "vendor/echarts/echarts.min.js" in html
    response = client.get(url, {"cycle": two_cycles[1].pk, "export": "xlsx"})
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames[0] == "各地区一级指标平均得分（图为得分率%）"
    assert [c.value for c in workbook["等级分布（已确认评估）"][4]] == ["合格", 1]
    # Another cycle id out of reach answers 404.
    assert client.get(url, {"cycle": 999999}).status_code == 404
