"""Framework services, the .xlsx round trip and the framework pages."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.indicators.excel import COLUMNS, export_workbook, import_framework
from handinhand.indicators.models import Framework, FrameworkStatus, Indicator
from handinhand.indicators.services import (
    framework_copy,
    framework_create,
    framework_nodes,
    framework_publish,
    framework_update,
    framework_validate,
    indicator_create,
    indicator_delete,
    indicator_update,
)

pytestmark = pytest.mark.django_db


def _events(obj, action) -> int:
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
    ).count()


def _xlsx(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- services ---------------------------------------------------------------------------------


def test_the_sample_is_published_and_labelled(sample):
    assert sample.status == FrameworkStatus.PUBLISHED and sample.is_sample
    assert "示例" in str(sample)
    assert sample.indicators.count() == 96
    assert framework_validate(sample) == []


def test_only_the_province_admin_creates_frameworks(cast):
    with pytest.raises(PermissionDeniedError):
        framework_create(actor=cast.city_user, name="体系", edition="2025版")
    framework = framework_create(actor=cast.province_admin, name="体系", edition="2025版")
    assert framework.total_score == Decimal(100) and framework.is_draft
    assert _events(framework, AuditAction.CREATE) == 1


def test_a_published_framework_never_changes(cast, sample):
    one = sample.indicators.get(code="1.1.1")
    with pytest.raises(ValidationError, match="已发布"):
        framework_update(
            actor=cast.province_admin,
            framework=sample,
            data={"name": "改名"},
            expected_version=sample.version,
        )
    with pytest.raises(ValidationError, match="已发布"):
        indicator_update(
            actor=cast.province_admin,
            indicator=one,
            data={"title": "改"},
            expected_version=one.version,
        )
    with pytest.raises(ValidationError, match="已发布"):
        indicator_delete(actor=cast.province_admin, indicator=one)
    with pytest.raises(ValidationError, match="已发布"):
        indicator_create(actor=cast.province_admin, framework=sample, code="9", level=1, title="新")
    sample.refresh_from_db()
    assert sample.name != "改名" and sample.indicators.count() == 96


def test_copy_makes_an_identical_draft(cast, sample):
    copy = framework_copy(actor=cast.province_admin, framework=sample, edition="2026版")
    assert copy.is_draft and copy.copied_from == sample
    assert framework_nodes(copy) == framework_nodes(sample)
    assert _events(copy, AuditAction.CREATE) == 2  # the framework, then its indicators


def test_draft_edits_are_checked_and_audited(cast, draft):
    admin = cast.province_admin
    l2 = draft.indicators.get(code="6.3")
    leaf = indicator_create(
        actor=admin,
        framework=draft,
        code="6.3.4",
        level=3,
        parent=l2,
        title="新增指标",
        max_score=Decimal("2"),
    )
    assert _events(leaf, AuditAction.CREATE) == 1
    errors = framework_validate(draft)
    assert "3级指标应为 70 个，实际为 71 个" in errors
    assert "三级指标分值合计 102，与体系总分 100 不一致" in errors
    with pytest.raises(ValidationError) as exc:
        framework_publish(actor=admin, framework=draft, expected_version=draft.version)
    assert len(exc.value.messages) == 2
    # A level-3 under a level-1, and a level-1 with a score, are refused field by field.
    with pytest.raises(ValidationError) as exc:
        indicator_create(
            actor=admin,
            framework=draft,
            code="x",
            level=3,
            parent=draft.indicators.get(code="6"),
            title="错",
            max_score=Decimal(1),
        )
    assert "parent" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        indicator_create(
            actor=admin, framework=draft, code="7", level=1, title="错", max_score=Decimal(1)
        )
    assert "max_score" in exc.value.error_dict
    with pytest.raises(ValidationError, match="下级指标"):
        indicator_delete(actor=admin, indicator=l2)
    leaf_pk = leaf.pk
    indicator_delete(actor=admin, indicator=leaf)
    assert not Indicator.objects.filter(pk=leaf_pk).exists()
    assert AuditEvent.objects.filter(
        object_type="indicators.indicator", object_id=str(leaf_pk), action=AuditAction.DELETE
    ).exists()
    draft.refresh_from_db()
    published = framework_publish(actor=admin, framework=draft, expected_version=draft.version)
    assert published.status == FrameworkStatus.PUBLISHED and published.published_at
    assert _events(draft, AuditAction.UPDATE) == 1


def test_stale_framework_edit_is_a_conflict(cast, draft):
    framework_update(
        actor=cast.province_admin, framework=draft, data={"name": "甲"}, expected_version=1
    )
    with pytest.raises(ConflictError):
        framework_update(
            actor=cast.province_admin, framework=draft, data={"name": "乙"}, expected_version=1
        )
    draft.refresh_from_db()
    assert draft.name == "甲"


# --- Excel ------------------------------------------------------------------------------------


def test_export_then_import_into_a_new_draft_is_identical(cast, sample):
    data = _xlsx(export_workbook(sample))
    empty = framework_create(actor=cast.province_admin, name="导入测试", edition="2027版")
    result = import_framework(
        actor=cast.province_admin, framework=empty, data=data, filename="体系.xlsx"
    )
    assert result.ok, result.errors
    assert result.created == 96
    assert framework_nodes(empty) == framework_nodes(sample)
    assert _events(empty, AuditAction.IMPORT) == 1
    assert (
        AuditEvent.objects.filter(
            object_type="indicators.indicator", action=AuditAction.IMPORT
        ).count()
        == 96
    )
    # And the second export is the same file content.
    again = load_workbook(BytesIO(_xlsx(export_workbook(empty)))).active
    first = load_workbook(BytesIO(data)).active
    assert [list(r) for r in again.iter_rows(values_only=True)] == [
        list(r) for r in first.iter_rows(values_only=True)
    ]


def _sheet_from(sample: Framework) -> Workbook:
    return load_workbook(BytesIO(_xlsx(export_workbook(sample))))


def _import(cast, draft, workbook: Workbook):
    before = list(framework_nodes(draft))
    result = import_framework(
        actor=cast.province_admin, framework=draft, data=_xlsx(workbook), filename="体系.xlsx"
    )
    assert framework_nodes(draft) == before, "a failed import wrote something"
    return result


def test_bad_rows_are_all_reported_with_row_and_column(cast, sample, draft):
    workbook = _sheet_from(sample)
    sheet = workbook.active
    sheet["B3"] = "二级"  # text in the level column
    sheet["E5"] = "五分"  # text in the score column
    sheet["D6"] = None  # missing title
    sheet["E7"] = -1
    result = _import(cast, draft, workbook)
    found = {(e.row, e.column, e.message) for e in result.errors}
    assert found == {
        (3, "级别", "应为 1、2 或 3"),
        (5, "分值", "应为不小于 0 的数字"),
        (6, "指标名称", "必填，不能为空"),
        (7, "分值", "应为不小于 0 的数字"),
    }


def test_wrong_counts_and_cycles_in_a_file_are_refused(cast, sample, draft):
    workbook = _sheet_from(sample)
    sheet = workbook.active
    sheet.delete_rows(sheet.max_row)  # drop the last level-3 indicator: 69 and 99 points
    # Make 1.1 and 1.2 each other's parent.
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "1.1":
            row[2].value = "1.2"
        if row[0].value == "1.2":
            row[2].value = "1.1"
    messages = [e.message for e in _import(cast, draft, workbook).errors]
    assert "3级指标应为 70 个，实际为 69 个" in messages
    assert "三级指标分值合计 99，与体系总分 100 不一致" in messages
    assert "上级编码形成循环：1.1 → 1.2 → 1.1" in messages
    assert "2级指标 1.1 的上级 1.2 应为1级指标" in messages


def test_a_file_that_is_not_a_workbook_or_lacks_columns(cast, draft):
    result = import_framework(
        actor=cast.province_admin, framework=draft, data=b"%PDF-1.4", filename="体系.xlsx"
    )
    assert "文件已损坏" in result.errors[0].message
    workbook = Workbook()
    workbook.active.append(["编码", "级别"])
    result = _import(cast, draft, workbook)
    assert "缺少列：上级编码、指标名称、分值、评分要点、佐证材料" in result.errors[0].message


def test_import_into_a_published_framework_is_refused(cast, sample):
    with pytest.raises(ValidationError, match="已发布"):
        import_framework(
            actor=cast.province_admin,
            framework=sample,
            data=_xlsx(export_workbook(sample)),
            filename="体系.xlsx",
        )


# --- pages ------------------------------------------------------------------------------------


def test_framework_list_is_narrowed_and_pinned(
    cast, sample, draft, client_for, django_assert_max_num_queries
):
    client = client_for(cast.school_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("indicators:framework_list"))
    assert response.status_code == 200
    assert "指标体系（示例）" in response.content.decode() and "2026版" in response.content.decode()
    response = client_for(cast.audit_admin).get(reverse("indicators:framework_list"))
    assert "指标体系（示例）" not in response.content.decode()


def test_framework_detail_shows_the_tree_in_few_queries(
    cast, sample, client_for, django_assert_max_num_queries
):
    client = client_for(cast.instructor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("indicators:framework_detail", args=[sample.pk]))
    html = response.content.decode()
    assert "示例" in html and "政治建设" in html and "接受高校党建指导并落实整改" in html
    assert reverse("indicators:framework_publish", args=[sample.pk]) not in html


def test_draft_page_lists_every_error_and_publish_refuses(cast, draft, client_for):
    Indicator.objects.filter(framework=draft, code="6.3.3").delete()
    client = client_for(cast.province_admin)
    html = client.get(reverse("indicators:framework_detail", args=[draft.pk])).content.decode()
    assert "3级指标应为 70 个，实际为 69 个" in html
    assert "三级指标分值合计 99，与体系总分 100 不一致" in html
    response = client.post(
        reverse("indicators:framework_publish", args=[draft.pk]),
        {"expected_version": draft.version},
        follow=True,
    )
    assert "发布失败：存在 2 处结构问题" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_create_edit_import_and_publish_through_the_pages(cast, sample, client_for):
    client = client_for(cast.province_admin)
    response = client.post(
        reverse("indicators:framework_create"),
        {"name": "江西省中小学校党建工作指标体系", "edition": "2025版", "total_score": "100"},
    )
    framework = Framework.objects.get(name="江西省中小学校党建工作指标体系")
    assert response.status_code == 302
    export = client.get(reverse("indicators:framework_export", args=[sample.pk]))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _events(sample, AuditAction.EXPORT) == 1
    upload = BytesIO(export.content)
    upload.name = "体系.xlsx"
    response = client.post(
        reverse("indicators:framework_import", args=[framework.pk]), {"file": upload}
    )
    assert response.status_code == 302
    assert framework.indicators.count() == 96
    leaf = framework.indicators.get(code="1.1.1")
    response = client.post(
        reverse("indicators:indicator_edit", args=[leaf.pk]),
        {
            "code": "1.1.1",
            "level": "3",
            "parent": leaf.parent_id,
            "title": "修改后的标题",
            "max_score": "1.5",
            "guidance": "",
            "evidence": "",
            "order": leaf.order,
            "expected_version": leaf.version,
        },
    )
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert leaf.title == "修改后的标题" and leaf.version == 2
    # The same form again, stale: a conflict, nothing lost on the page.
    response = client.post(
        reverse("indicators:indicator_edit", args=[leaf.pk]),
        {
            "code": "1.1.1",
            "level": "3",
            "parent": leaf.parent_id,
            "title": "另一人的标题",
            "max_score": "1.5",
            "order": leaf.order,
            "expected_version": 1,
        },
    )
    assert response.status_code == 409 and "另一人的标题" in response.content.decode()
    response = client.post(
        reverse("indicators:framework_publish", args=[framework.pk]),
        {"expected_version": framework.version},
    )
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.PUBLISHED
    # Published: the edit pages are gone, even for the admin.
    assert client.get(reverse("indicators:framework_edit", args=[framework.pk])).status_code == 404
    assert client.get(reverse("indicators:indicator_edit", args=[leaf.pk])).status_code == 404


def test_import_page_shows_every_error(cast, sample, draft, client_for):
    workbook = _sheet_from(sample)
    workbook.active["B3"] = "x"
    upload = BytesIO(_xlsx(workbook))
    upload.name = "体系.xlsx"
    response = client_for(cast.province_admin).post(
        reverse("indicators:framework_import", args=[draft.pk]), {"file": upload}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "没有写入任何数据" in html and "第 3 行" in html and "应为 1、2 或 3" in html


def test_columns_are_the_documented_ones():
    assert COLUMNS == ("编码", "级别", "上级编码", "指标名称", "分值", "评分要点", "佐证材料")
