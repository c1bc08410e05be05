"""The pages: compute → approve → disburse → spend with a receipt → the rate changes; scope of
every list and page; pinned query counts of the summary and the university page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from handinhand.core.formats import money
from handinhand.funding.models import Allocation, Disbursement, Expense
from handinhand.funding.tests.factories import YEAR, approved, disbursed, finance, spent

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\n"


def test_money_format():
    assert money(Decimal("15000")) == "¥15,000.00"
    assert money(Decimal("-500.5")) == "-¥500.50"
    assert money(None) == "—"


def test_the_year_through_the_pages(cast, client_for):
    contact = finance(cast)
    uni = cast.universities["ncu"]
    admin = client_for(cast.province_admin)
    calc = reverse("funding:allocation_calc", args=[uni.pk]) + f"?year={YEAR}"
    page = admin.get(calc).content.decode()
    assert "李指导" in page and "¥30,000.00" in page
    response = admin.post(
        calc,
        {
            "doc_number": "赣教工委财〔2025〕7号",
            "approved_on": f"{YEAR}-03-01",
            "expected_total": "30000.00",
            "year": YEAR,
        },
    )
    assert response.status_code == 302
    assert Allocation.objects.get().amount == Decimal("30000.00")
    response = admin.post(
        reverse("funding:disbursement_create", args=[uni.pk]) + f"?year={YEAR}",
        {
            "date": f"{YEAR}-03-10",
            "amount": "30000.00",
            "doc_number": "赣教工委财〔2025〕8号",
            "attachment": SimpleUploadedFile("下拨.pdf", PDF),
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Disbursement.objects.get().attachment_kind == "pdf"

    client = client_for(contact)
    page_url = reverse("funding:university", args=[uni.pk]) + f"?year={YEAR}"
    assert "0.0%" in client.get(page_url).content.decode()
    response = client.post(
        reverse("funding:expense_create", args=[uni.pk]) + f"?year={YEAR}",
        {
            "date": f"{YEAR}-04-02",
            "category": "交通差旅",
            "amount": "3000.00",
            "payee": "萍乡客运",
            "purpose": "赴湘东区指导",
            "receipt": SimpleUploadedFile("票据.pdf", PDF),
        },
    )
    assert response.status_code == 302, response.content.decode()
    page = client.get(page_url).content.decode()
    assert "10.0%" in page and "¥3,000.00" in page and "vendor/echarts/echarts.min.js" in page
    expense = Expense.objects.get()
    assert client.get(reverse("funding:expense_receipt", args=[expense.pk])).status_code == 200
    bad = client.post(
        reverse("funding:expense_create", args=[uni.pk]) + f"?year={YEAR}",
        {
            "date": f"{YEAR}-04-02",
            "category": "交通差旅",
            "amount": "1.005",
            "payee": "x",
            "purpose": "y",
        },
    )
    assert bad.status_code == 400 and "两位小数" in bad.content.decode()
    # Closing April, then the line is shown, not edited.
    client.post(reverse("funding:month_close", args=[uni.pk]), {"year": YEAR, "month": 4})
    page = client.get(reverse("funding:expense_edit", args=[expense.pk])).content.decode()
    assert "已月结" in page and "登记更正" in page


def test_scope_of_lists_and_summary(cast, client_for):
    approved(cast)
    disbursed(cast)
    spent(cast)
    contact = finance(cast)
    page = client_for(contact).get(reverse("funding:expense_list")).content.decode()
    assert "萍乡客运" in page
    # A finance contact with one university goes straight to it.
    response = client_for(contact).get(reverse("funding:summary"))
    assert response.status_code == 302
    for who in ("school_user", "instructor", "leader", "city_user"):
        assert (
            client_for(getattr(cast, who)).get(reverse("funding:expense_list")).status_code == 404
        )
    page = client_for(cast.province_admin).get(reverse("funding:summary") + f"?year={YEAR}")
    text = page.content.decode()
    assert "南昌大学" in text and "华东交通大学" in text and "¥30,000.00" in text


def test_pinned_query_counts(cast, client_for, django_assert_max_num_queries):
    approved(cast)
    disbursed(cast)
    for day in range(1, 28):
        spent(cast, "100.00", day=dt.date(YEAR, 5, day))
    admin = client_for(cast.province_admin)
    with django_assert_max_num_queries(9):
        admin.get(reverse("funding:summary") + f"?year={YEAR}")
    client = client_for(finance(cast))
    with django_assert_max_num_queries(19):
        client.get(
            reverse("funding:university", args=[cast.universities["ncu"].pk]) + f"?year={YEAR}"
        )


def test_documents(cast, client_for):
    approved(cast)
    disbursed(cast)
    spent(cast)
    response = client_for(finance(cast)).get(
        reverse("funding:ledger_xlsx", args=[cast.universities["ncu"].pk]) + f"?year={YEAR}"
    )
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["执行概况", "下拨明细", "支出明细"]
    assert book["支出明细"]["F2"].value == 320.5
    assert book["支出明细"]["F2"].number_format.startswith('"¥"')
    response = client_for(cast.province_admin).get(
        reverse("funding:summary_xlsx") + f"?year={YEAR}"
    )
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[-1][0] == "合计" and rows[-1][1] == 30000


def test_import_page_reports_rows(cast, client_for):
    approved(cast)
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "支出类别", "金额（元）", "收款方", "用途"])
    ws.append([f"{YEAR}-06-01", "会议", "0", "会场", "调度会"])
    buf = BytesIO()
    wb.save(buf)
    client = client_for(finance(cast))
    response = client.post(
        reverse("funding:expense_import", args=[cast.universities["ncu"].pk]) + f"?year={YEAR}",
        {"file": SimpleUploadedFile("支出.xlsx", buf.getvalue())},
    )
    text = response.content.decode()
    assert response.status_code == 400 and "第2行" in text and "金额不能为 0" in text
    assert not Expense.objects.exists()
