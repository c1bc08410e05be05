"""Summary rows written on confirmation, and the school report card built on them."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import docx
import pytest
from django.urls import reverse

from handinhand.core.models import AuditAction, AuditEvent
from handinhand.indicators.models import EvaluationSummary, IndicatorAggregate, L1Score
from handinhand.indicators.scoring import grade_for
from handinhand.indicators.selectors import report_card
from handinhand.indicators.tests.conftest import confirm

pytestmark = pytest.mark.django_db


def test_grades_follow_the_policy_bands():
    hundred = Decimal(100)
    assert grade_for(Decimal(95), hundred) == "优秀"
    assert grade_for(Decimal(90), hundred) == "优秀"
    assert grade_for(Decimal("89.5"), hundred) == "良好"
    assert grade_for(Decimal(60), hundred) == "合格"
    assert grade_for(Decimal(0), hundred) == "不合格"
    assert grade_for(Decimal(45), Decimal(50)) == "优秀"  # a share of the framework's total


def test_confirmation_writes_the_summary_rows(cast, evaluation):
    ev = confirm(cast, evaluation, review=Decimal(1))
    summary = EvaluationSummary.objects.get(evaluation=ev)
    assert (summary.total, summary.grade) == (Decimal(70), "合格")
    assert (summary.county_id, summary.city_id) == ("360313", "360300")
    l1 = dict(L1Score.objects.filter(evaluation=ev).values_list("indicator__code", "score"))
    assert l1 == {"1": 14, "2": 11, "3": 14, "4": 10, "5": 11, "6": 10}
    aggregates = IndicatorAggregate.objects.filter(cycle=ev.cycle, county_id="360313")
    assert aggregates.count() == 70 and {a.count for a in aggregates} == {1}
    assert sum(a.score_sum for a in aggregates) == Decimal(70)


def test_report_card_rolls_up_and_compares(cast, evaluation):
    ev = confirm(cast, evaluation, review=Decimal("1"))
    card = report_card(ev)
    assert card.total == sum(v for k, v in card.final.items() if "." not in k)
    assert card.final["1.1"] == sum(card.final[f"1.1.{i}"] for i in range(1, 5))
    assert (card.total, card.grade) == (Decimal(70), "合格")
    first = card.l1[0]
    assert first.title == "政治建设" and first.score == first.county == first.province
    assert [c for _i, c in card.comments][:1] == ["意见"]


def test_report_card_page_and_word(cast, evaluation, client_for, django_assert_max_num_queries):
    ev = confirm(cast, evaluation)
    client = client_for(cast.county_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("indicators:report_card", args=[ev.pk]))
    html = response.content.decode()
    assert 'id="card-total">100.0<' in html and "优秀" in html  # the policy's step: one decimal
    assert "vendor/echarts/echarts.min.js" in html and "cdn" not in html.lower()
    response = client.get(reverse("indicators:report_card_docx", args=[ev.pk]))
    document = docx.Document(BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "湘东区第一小学 2025年度党建工作评估报告" in text and "等级：优秀" in text
    assert document.tables[0].rows[1].cells[0].text == "政治建设"
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="indicators.evaluation", object_id=str(ev.pk)
    ).exists()
