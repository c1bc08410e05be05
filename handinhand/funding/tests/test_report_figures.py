"""经费使用情况 in the provincial group's January report (R9 × R12): the figures the funding app
registers for the report equal the ledger, on the page and in the .docx, money as ¥15,000.00."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import docx
import pytest
from django.db.models import Sum
from django.urls import reverse

from handinhand.core.formats import money
from handinhand.core.registry import group_figures
from handinhand.funding import services
from handinhand.funding.models import Allocation, Disbursement, Expense
from handinhand.funding.selectors import group_funding_figures
from handinhand.funding.tests.factories import YEAR, approved, disbursed, finance, spent
from handinhand.reports import services as report_services
from handinhand.reports.models import AnnualReport

pytestmark = pytest.mark.django_db


def _ledger(cast) -> None:
    approved(cast)
    disbursed(cast, "20000.00")
    spent(cast, "320.50")
    spent(cast, "1200.00", category="劳务")
    spent(cast, "80.25", category="资料印刷", day=dt.date(YEAR, 5, 6))
    big = spent(cast, "500.00", day=dt.date(YEAR, 6, 1))
    services.expense_correct(
        actor=finance(cast), expense=big, amount="-100.00", date=dt.date(YEAR, 6, 20), reason="多报"
    )


def test_registered_for_the_reports():
    assert group_figures.get("funding") is group_funding_figures


def test_provincial_report_shows_the_ledger(cast, client_for):
    _ledger(cast)
    uni = cast.universities["ncu"]
    report_services.reports_generate(actor=cast.province_admin, year=YEAR)
    report = AnnualReport.objects.get(group=cast.groups["ncu"], year=YEAR)
    fig = report.figures["funding"]

    # Straight from the ledger tables, not through the selectors.
    lines = Expense.objects.filter(university=uni, year=YEAR)
    allocated = Allocation.objects.get(university=uni, year=YEAR).amount
    assert allocated == Decimal("30000.00")
    disbursed_total = Disbursement.objects.filter(university=uni, year=YEAR).aggregate(
        s=Sum("amount")
    )["s"]
    spent_total = lines.aggregate(s=Sum("amount"))["s"]
    assert Decimal(fig["allocated"]) == allocated
    assert Decimal(fig["disbursed"]) == disbursed_total == Decimal("20000.00")
    assert Decimal(fig["spent"]) == spent_total == Decimal("2000.75")
    assert Decimal(fig["balance"]) == allocated - spent_total
    assert Decimal(fig["rate"]) == (spent_total / allocated).quantize(Decimal("0.0001"))
    assert fig["top_categories"] == [
        ["劳务", "1200.00"],
        ["交通差旅", "720.50"],
        ["资料印刷", "80.25"],
    ]

    page = client_for(cast.leader).get(reverse("reports:report_detail", args=[report.pk]))
    html = page.content.decode()
    assert "经费使用情况" in html
    for amount in ("30,000.00", "20,000.00", "2,000.75", "27,999.25"):
        assert f"¥{amount}" in html
    assert "6.7%" in html and "劳务 ¥1,200.00" in html

    body = client_for(cast.leader).get(reverse("reports:report_docx", args=[report.pk]))
    document = docx.Document(BytesIO(body.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "四、经费使用情况" in text
    assert money(allocated - spent_total) in cells and "6.7%" in cells


def test_only_provincial_groups_and_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    _ledger(cast)
    ids = [g.pk for g in cast.groups.values()]
    with django_assert_max_num_queries(5):
        figures = group_funding_figures(ids, YEAR)
    provincial = {g.pk for g in cast.groups.values() if g.level == "province"}
    assert set(figures) == provincial
    # A lead university without a ledger reads zero, and no rate.
    other = next(pk for pk in provincial if pk != cast.groups["ncu"].pk)
    assert figures[other]["spent"] == "0.00" and figures[other]["rate"] is None
    report_services.reports_generate(actor=cast.province_admin, year=YEAR)
    city = AnnualReport.objects.exclude(group_id__in=provincial).first()
    if city is not None:
        assert city.figures["funding"] is None
