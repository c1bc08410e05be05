"""The notice pages: lists pinned in queries, publishing through the form with the searchable
pickers, reading marks the receipt, the receipts page (filter, export, reminder)."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from handinhand.notices import services
from handinhand.notices.models import Notice, NoticeReceipt
from handinhand.notices.tests.factories import county_notice, publish


def test_received_list_unread_first_in_few_queries(cast, client_for, django_assert_max_num_queries):
    old = publish(cast, title="旧通知")
    publish(cast, title="新通知")
    services.receipt_read(user=cast.school_user, notice=old)
    for i in range(5):
        publish(cast, title=f"批量通知{i}")
    client = client_for(cast.school_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notices:list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("新通知") < text.index("旧通知")
    assert "未读 6 条" in text


def test_sent_list_and_receipts_page_in_few_queries(
    cast, client_for, django_assert_max_num_queries
):
    for i in range(5):
        publish(cast, title=f"通知{i}", roles=["school_user", "region_staff"])
    client = client_for(cast.province_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notices:list"), {"box": "sent"})
    assert "0/4" in response.content.decode()
    notice = Notice.objects.first()
    assert notice is not None
    with django_assert_max_num_queries(14):
        response = client.get(reverse("notices:receipts", args=[notice.pk]))
    assert response.status_code == 200
    assert "湘东一小书记" in response.content.decode()


def test_opening_the_notice_reads_it_and_the_counts_change(cast, client_for):
    notice = publish(cast, roles=["school_user", "region_staff"])
    province = client_for(cast.province_admin)
    page = province.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert 'id="count-read">0<' in page
    client_for(cast.school_user).get(reverse("notices:detail", args=[notice.pk]))
    assert NoticeReceipt.objects.get(user=cast.school_user).read_at is not None
    province = client_for(cast.province_admin)
    page = province.get(reverse("notices:receipts", args=[notice.pk])).content.decode()
    assert 'id="count-read">1<' in page and 'id="count-unread">3<' in page
    assert "湘东一小书记" not in page.split("未读人员")[-1]


def test_the_province_sees_a_countys_receipts_but_the_city_does_not(cast, client_for):
    notice = county_notice(cast)
    url = reverse("notices:receipts", args=[notice.pk])
    assert client_for(cast.province_admin).get(url).status_code == 200
    assert client_for(cast.city_user).get(url).status_code == 404


def test_receipts_filter_by_region_and_export(cast, client_for):
    notice = publish(cast, roles=["school_user", "region_staff"])
    client = client_for(cast.province_admin)
    url = reverse("notices:receipts", args=[notice.pk])
    page = client.get(url, {"region": "360313"}).content.decode()
    assert "湘东一小书记" in page and "南昌市教育局" not in page.split("未读人员")[-1]
    response = client.get(url, {"export": "xlsx", "region": "360300"})
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    names = {r[0] for r in rows[1:]}
    assert names == {"湘东一小书记", "萍乡市教育局", "湘东区教育局"}


def test_remind_button_once_a_day(cast, client_for):
    notice = county_notice(cast)
    client = client_for(cast.county_user)
    url = reverse("notices:remind", args=[notice.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "今天已经提醒过" in response.content.decode()
    assert notice.reminders.count() == 1
    inbox = client_for(cast.school_user).get(reverse("notices:list")).content.decode()
    assert "提醒：请阅读通知" in inbox


def test_publish_through_the_form(cast, client_for):
    client = client_for(cast.county_user)
    form = client.get(reverse("notices:create")).content.decode()
    assert "湘东区第一小学" not in form  # no select of every school: the picker searches
    found = client.get(
        reverse("notices:audience_search"), {"kind": "schools", "q_schools": "湘东"}
    ).content.decode()
    assert "湘东区第一小学" in found
    assert (
        "安源"
        not in client.get(
            reverse("notices:audience_search"), {"kind": "schools", "q_schools": "安源"}
        ).content.decode()
    )
    response = client.post(
        reverse("notices:create"),
        {
            "title": "表单通知",
            "body": "正文",
            "schools": [str(cast.school.pk)],
            "attachments": [SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")],
        },
    )
    assert response.status_code == 302, response.content.decode()
    notice = Notice.objects.get(title="表单通知")
    assert notice.attachments.count() == 1
    assert set(notice.receipts.values_list("user__username", flat=True)) == {"school_user"}


def test_form_refuses_empty_audience_and_bad_attachment(cast, client_for):
    client = client_for(cast.county_user)
    response = client.post(reverse("notices:create"), {"title": "空", "body": "空"})
    assert response.status_code == 400
    assert "通知对象不能为空" in response.content.decode()
    response = client.post(
        reverse("notices:create"),
        {
            "title": "坏附件",
            "body": "正文",
            "roles": ["school_user"],
            "attachments": [SimpleUploadedFile("x.pdf", b"\x00\x01binary")],
        },
    )
    assert response.status_code == 400
    assert "不允许的文件类型" in response.content.decode()
    response = client.post(
        reverse("notices:create"),
        {"title": "越界", "body": "正文", "schools": [str(cast.school_anyuan.pk)]},
    )
    assert "不在您的发布范围内" in response.content.decode()
    assert not Notice.objects.exists()


def test_edit_page_makes_a_version_and_the_reader_sees_updated(cast, client_for):
    notice = county_notice(cast)
    client_for(cast.school_user).get(reverse("notices:detail", args=[notice.pk]))
    client = client_for(cast.county_user)
    response = client.post(
        reverse("notices:edit", args=[notice.pk]),
        {"title": "湘东区通知（更正）", "body": "更正后的正文", "expected_version": notice.version},
    )
    assert response.status_code == 302
    reader = client_for(cast.school_user)
    listed = reader.get(reverse("notices:list")).content.decode()
    assert "已更新" in listed
    detail = reader.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "已更新" in detail and "第 1 版" in detail


def test_badge(cast, client_for):
    publish(cast)
    assert ">1<" in client_for(cast.school_user).get(reverse("notices:badge")).content.decode()
    assert "badge" not in client_for(cast.instructor).get(reverse("notices:badge")).content.decode()
