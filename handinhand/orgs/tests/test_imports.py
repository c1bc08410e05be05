"""The school roster (花名册) import: every bad input reported with its row and column, nothing
written unless the whole file is right, re-imports update, and the page and template."""

from __future__ import annotations

import re
from html import unescape
from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from handinhand.core.models import AuditAction, AuditEvent
from handinhand.orgs.credit_code import make_credit_code
from handinhand.orgs.imports import (
    COUNTY_SHEET,
    GUIDE_SHEET,
    ROSTER_COLUMNS,
    ROSTER_HEADERS,
    ROSTER_SHEET,
    RosterImportResult,
    RowError,
    _apply,
    _Conflict,
    _update_changed,
    build_template,
    header_key,
    import_roster,
)
from handinhand.orgs.models import PartyOrgForm, Region, RegionLevel, School, SchoolType

XIANGDONG = "360313"  # 湘东区, 萍乡市: the county user's county
ANYUAN = "360302"  # 安源区, 萍乡市: the city user's, not the county user's


def code(serial: int, county: str = XIANGDONG) -> str:
    # Serials far above the cast's, so that no test collides with a cast school.
    return make_credit_code("12", county, 700_000 + serial)


def school_row(serial: int, **overrides: Any) -> list[Any]:
    values = {
        "学校名称": f"湘东区测试学校{serial}",
        "统一社会信用代码": code(serial),
        "所属县（市、区）": "湘东区",
        "学校类型": "小学",
        "党组织形式": "党支部",
        "党组织书记": "张书记",
        "校长": "李校长",
        "联系电话": "0799-3456789",
        "学生数": 800,
        "教职工数": 50,
    }
    values.update(overrides)
    return [values[h] for h in ROSTER_HEADERS]


def xlsx(rows: list[list[Any]], headers: list[Any] | tuple[Any, ...] = ROSTER_HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(actor: Any, rows: list[list[Any]], **kwargs: Any) -> RosterImportResult:
    data = xlsx(rows, kwargs.pop("headers", ROSTER_HEADERS))
    return import_roster(
        actor=actor, data=data, filename=kwargs.pop("filename", "花名册.xlsx"), **kwargs
    )


def errors_at(result: RosterImportResult) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def only_error(result: RosterImportResult) -> RowError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# --- a good file -----------------------------------------------------------------------------


def test_valid_file_creates_every_school_with_its_values(cast):
    before = School.objects.count()
    result = run(cast.county_user, [school_row(1), school_row(2, 学生数=1200, 教职工数=90)])
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert School.objects.count() == before + 2
    school = School.objects.get(credit_code=code(2))
    assert school.name == "湘东区测试学校2"
    assert school.county_id == XIANGDONG
    assert school.school_type == SchoolType.PRIMARY
    assert school.party_org_form == PartyOrgForm.BRANCH
    assert (school.secretary, school.principal) == ("张书记", "李校长")
    assert school.contact_phone == "0799-3456789"
    assert (school.student_count, school.teacher_count) == (1200, 90)
    assert school.version == 1
    assert result.county_codes == {XIANGDONG}


def test_audit_event_per_created_school_and_one_summary(cast):
    result = run(cast.county_user, [school_row(1), school_row(2)])
    assert result.created == 2
    events = AuditEvent.objects.filter(action=AuditAction.IMPORT)
    schools = School.objects.filter(credit_code__in=[code(1), code(2)])
    per_school = events.filter(object_type="orgs.school").exclude(object_id="")
    assert {e.object_id for e in per_school} == {str(s.pk) for s in schools}
    event = per_school.get(object_id=str(schools.get(credit_code=code(1)).pk))
    assert event.actor == cast.county_user
    assert event.changes["name"] == [None, "湘东区测试学校1"]
    assert event.changes["credit_code"] == [None, code(1)]
    assert event.changes["county"] == [None, f"湘东区 (#{XIANGDONG})"]
    summary = events.get(object_id="")
    assert summary.object_type == "orgs.school"
    assert summary.object_repr == "学校花名册导入：新增 2 所，更新 0 所"
    assert summary.changes["file"] == [None, "花名册.xlsx"]
    assert summary.actor == cast.county_user


def test_headers_in_any_order_with_required_marks(cast):
    headers = [
        "学校类型*",
        " 学校名称（必填） ",
        "统一社会信用代码 *",
        "党组织形式",
        "所属县(市、区)*",
    ]
    row = school_row(1)
    by_header = dict(zip(ROSTER_HEADERS, row, strict=True))
    values = [
        by_header["学校类型"],
        by_header["学校名称"],
        by_header["统一社会信用代码"],
        by_header["党组织形式"],
        by_header["所属县（市、区）"],
    ]
    result = run(cast.county_user, [values], headers=headers)
    assert result.errors == []
    school = School.objects.get(credit_code=code(1))
    assert (school.name, school.school_type, school.student_count) == (
        "湘东区测试学校1",
        SchoolType.PRIMARY,
        0,
    )


def test_header_key_ignores_marks_and_width():
    assert header_key("所属县（市、区）*") == header_key("所属县(市、区)")
    assert header_key("学校名称（必填）") == header_key("学校名称")
    assert header_key("＊学 校 名 称") == header_key("学校名称")


# --- headers ---------------------------------------------------------------------------------


def test_missing_required_headers_are_each_reported(cast):
    headers = [h for h in ROSTER_HEADERS if h not in ("统一社会信用代码", "学校类型")]
    rows = [[v for h, v in zip(ROSTER_HEADERS, school_row(1), strict=True) if h in headers]]
    before = School.objects.count()
    result = run(cast.county_user, rows, headers=headers)
    assert errors_at(result) == {(1, "统一社会信用代码"), (1, "学校类型")}
    assert all("缺少必填列" in e.message for e in result.errors)
    assert School.objects.count() == before


def test_unknown_header_is_reported_and_nothing_written(cast):
    headers = [*ROSTER_HEADERS, "备 注"]
    before = School.objects.count()
    result = run(cast.county_user, [[*school_row(1), "新建校"]], headers=headers)
    error = only_error(result)
    assert (error.row, error.column) == (1, "备 注")
    assert "无法识别的列" in error.message and "K 列" in error.message
    assert School.objects.count() == before


def test_unknown_header_and_row_errors_are_reported_together(cast):
    headers = [*ROSTER_HEADERS, "备注"]
    result = run(cast.county_user, [[*school_row(1, 学校类型="大学"), ""]], headers=headers)
    assert errors_at(result) == {(1, "备注"), (2, "学校类型")}


def test_repeated_header_is_reported(cast):
    headers = [*ROSTER_HEADERS, "学校名称"]
    result = run(cast.county_user, [[*school_row(1), "又一个名称"]], headers=headers)
    error = only_error(result)
    assert (error.row, error.column) == (1, "学校名称")
    assert "列名重复" in error.message


def test_title_line_above_headers_is_allowed_and_rows_keep_excel_numbers(cast):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["湘东区中小学校花名册（2025年）"])
    sheet.append(list(ROSTER_HEADERS))
    sheet.append(school_row(1))
    sheet.append(school_row(2, 学校类型="大学"))
    buffer = BytesIO()
    workbook.save(buffer)
    result = import_roster(actor=cast.county_user, data=buffer.getvalue(), filename="a.xlsx")
    assert errors_at(result) == {(4, "学校类型")}


def test_rows_formatted_across_the_whole_width_are_read(cast):
    from openpyxl.styles import PatternFill

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(ROSTER_HEADERS))
    for serial in range(1, 4):
        sheet.append(school_row(serial))
    yellow = PatternFill("solid", fgColor="FFFF00")
    for row in range(1, 6):  # styled, empty cells out to the last column, XFD
        sheet.cell(row=row, column=16384).fill = yellow
    buffer = BytesIO()
    workbook.save(buffer)
    result = import_roster(actor=cast.county_user, data=buffer.getvalue(), filename="a.xlsx")
    assert result.errors == []
    assert result.created == 3


def test_file_with_headers_only_is_an_error(cast):
    result = run(cast.county_user, [])
    assert "没有任何学校数据" in only_error(result).message


# --- the file itself -------------------------------------------------------------------------


def test_non_xlsx_file_is_refused(cast):
    result = import_roster(actor=cast.county_user, data=b"name,code\n", filename="花名册.csv")
    error = only_error(result)
    assert (error.row, error.column) == (0, "")
    assert ".xlsx" in error.message


def test_old_xls_file_is_told_to_save_as_xlsx(cast):
    result = import_roster(
        actor=cast.county_user, data=b"\xd0\xcf\x11\xe0" + b"\0" * 100, filename="花名册.xls"
    )
    assert "另存为" in only_error(result).message


def test_corrupt_xlsx_is_refused(cast):
    result = import_roster(
        actor=cast.county_user, data=b"this is not a zip file", filename="花名册.xlsx"
    )
    assert "已损坏" in only_error(result).message


def test_truncated_xlsx_is_refused(cast):
    data = xlsx([school_row(1)])
    result = import_roster(
        actor=cast.county_user, data=data[: len(data) // 2], filename="花名册.xlsx"
    )
    assert "已损坏" in only_error(result).message
    assert not School.objects.filter(credit_code=code(1)).exists()


def test_zip_that_is_not_a_workbook_is_refused(cast):
    import zipfile

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    result = import_roster(actor=cast.county_user, data=buffer.getvalue(), filename="x.xlsx")
    assert "已损坏" in only_error(result).message


def test_file_over_policy_size_is_refused_before_parsing(cast):
    # 10 MB + 1 byte of rubbish: refused for its size, so it is never opened as a zip.
    data = b"PK" + b"\0" * (10 * 1024 * 1024 - 1)
    result = import_roster(actor=cast.county_user, data=data, filename="花名册.xlsx")
    error = only_error(result)
    assert "超过上限 10 MB" in error.message


def test_file_size_limit_can_be_lowered(cast):
    data = xlsx([school_row(1)])
    result = import_roster(
        actor=cast.county_user,
        data=data,
        filename="a.xlsx",
        max_file_mb=len(data) / 1024 / 1024 / 2,
    )
    assert "超过上限" in only_error(result).message
    assert not School.objects.filter(credit_code=code(1)).exists()


def test_more_rows_than_policy_allows_is_refused(cast):
    result = run(cast.county_user, [school_row(i) for i in range(1, 5)], max_rows=3)
    assert "3 行的上限" in only_error(result).message
    assert not School.objects.filter(credit_code=code(1)).exists()


# --- rows ------------------------------------------------------------------------------------


def test_empty_rows_are_skipped(cast):
    rows = [school_row(1), [None] * 10, ["", " ", None], school_row(2), [None] * 3]
    result = run(cast.county_user, rows)
    assert result.errors == []
    assert result.created == 2


def test_errors_after_empty_rows_carry_excel_row_numbers(cast):
    rows = [school_row(1), [None] * 10, school_row(2, 学校类型="大学")]
    result = run(cast.county_user, rows)
    assert errors_at(result) == {(4, "学校类型")}


def test_every_error_of_every_row_is_reported(cast):
    rows = [
        school_row(1, 学校名称="", 学校类型="幼儿园"),
        school_row(2),
        school_row(3, 党组织形式="党小组", 学生数=-5, **{"所属县（市、区）": ""}),
    ]
    result = run(cast.county_user, rows)
    assert errors_at(result) == {
        (2, "学校名称"),
        (2, "学校类型"),
        (4, "所属县（市、区）"),
        (4, "党组织形式"),
        (4, "学生数"),
    }
    # Sorted as the file reads: by row, then by column.
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "学校名称"),
        (2, "学校类型"),
        (4, "所属县（市、区）"),
        (4, "党组织形式"),
        (4, "学生数"),
    ]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(2, "学校名称")] == "必填，不能为空"
    assert "幼儿园" in messages[(2, "学校类型")] and "九年一贯制" in messages[(2, "学校类型")]
    assert messages[(4, "学生数")] == "不能为负数"


def test_duplicate_credit_codes_in_file_report_both_rows(cast):
    rows = [school_row(1), school_row(2), school_row(3, 统一社会信用代码=code(1))]
    result = run(cast.county_user, rows)
    assert errors_at(result) == {(2, "统一社会信用代码"), (4, "统一社会信用代码")}
    messages = {e.row: e.message for e in result.errors}
    assert "第 4 行" in messages[2]
    assert "第 2 行" in messages[4]


def test_duplicate_written_differently_is_still_a_duplicate(cast):
    rows = [school_row(1), school_row(2, 统一社会信用代码=" " + code(1).lower() + " ")]
    result = run(cast.county_user, rows)
    assert errors_at(result) == {(2, "统一社会信用代码"), (3, "统一社会信用代码")}


def test_unknown_county_is_an_error(cast):
    result = run(cast.county_user, [school_row(1, **{"所属县（市、区）": "桃花源区"})])
    error = only_error(result)
    assert (error.row, error.column) == (2, "所属县（市、区）")
    assert "找不到" in error.message and "桃花源区" in error.message


@pytest.mark.parametrize(
    "county",
    [
        "萍乡市湘东区",
        "萍乡市 湘东区",
        "江西省萍乡市湘东区",
        "360313",
        360313,
        360313.0,
        " 湘东区 ",
        "３６０３１３",
    ],
)
def test_county_by_name_full_name_or_code(cast, county):
    result = run(cast.county_user, [school_row(1, **{"所属县（市、区）": county})])
    assert result.errors == []
    assert School.objects.get(credit_code=code(1)).county_id == XIANGDONG


def test_ambiguous_county_name_asks_for_city(cast):
    # A second 湘东区, under 新余市, so that the bare name no longer says which one.
    Region.objects.create(
        code="360599",
        name="湘东区",
        level=RegionLevel.COUNTY,
        parent_id="360500",
        path="360000/360500/360599/",
    )
    result = run(
        cast.province_admin,
        [
            school_row(1, **{"所属县（市、区）": "湘东区"}),
            school_row(2, **{"所属县（市、区）": "萍乡市湘东区"}),
        ],
    )
    error = only_error(result)
    assert (error.row, error.column) == (2, "所属县（市、区）")
    assert "多个设区市" in error.message and "设区市名称" in error.message


def test_county_outside_actor_scope_is_refused(cast):
    rows = [
        school_row(1),
        school_row(2, 统一社会信用代码=code(2, ANYUAN), **{"所属县（市、区）": "安源区"}),
    ]
    result = run(cast.county_user, rows)
    error = only_error(result)
    assert (error.row, error.column) == (3, "所属县（市、区）")
    assert error.message == "无权导入该县（市、区）的学校"
    assert not School.objects.filter(credit_code__in=[code(1), code(2, ANYUAN)]).exists()


def test_city_user_may_import_into_every_county_of_the_city(cast):
    rows = [
        school_row(1),
        school_row(2, 统一社会信用代码=code(2, ANYUAN), **{"所属县（市、区）": "安源区"}),
    ]
    result = run(cast.city_user, rows)
    assert result.errors == []
    assert result.created == 2


def test_existing_school_outside_scope_is_not_revealed_or_changed(cast):
    anyuan = cast.school_anyuan
    result = run(cast.county_user, [school_row(1, 统一社会信用代码=anyuan.credit_code)])
    error = only_error(result)
    assert (error.row, error.column) == (2, "统一社会信用代码")
    assert error.message == "该统一社会信用代码已登记在其他地区，无权修改"
    assert anyuan.name not in error.message
    anyuan.refresh_from_db()
    assert (anyuan.county_id, anyuan.version) == (ANYUAN, 1)


def test_invalid_credit_code_check_digit(cast):
    good = code(1)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    result = run(cast.county_user, [school_row(1, 统一社会信用代码=wrong)])
    error = only_error(result)
    assert (error.row, error.column) == (2, "统一社会信用代码")
    assert error.message == "统一社会信用代码校验位不正确"


def test_credit_code_of_wrong_length(cast):
    result = run(cast.county_user, [school_row(1, 统一社会信用代码="12360313")])
    assert only_error(result).message == "统一社会信用代码应为18位"


def test_full_width_digits_letters_and_spaces_are_normalised(cast):
    full_width = code(1).translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}
    )
    spaced = full_width[:6] + "\u3000" + full_width[6:].lower()
    result = run(
        cast.county_user,
        [
            school_row(
                1,
                学校名称="\u3000湘东区　第１２小学（东校区）",
                统一社会信用代码=spaced,
                联系电话="０７９９－３４５６７８９",
                学生数="１２００",
                教职工数="　８０　",
            )
        ],
    )
    assert result.errors == []
    school = School.objects.get(credit_code=code(1))
    # Digits and spaces half-width, Chinese brackets kept as typed.
    assert school.name == "湘东区 第12小学（东校区）"
    assert school.contact_phone == "0799-3456789"
    assert (school.student_count, school.teacher_count) == (1200, 80)


def test_numbers_stored_as_text_or_float(cast):
    result = run(
        cast.county_user,
        [
            school_row(1, 学生数=" 45 ", 教职工数=45.0),
            school_row(2, 学生数="1,200", 教职工数="12.0", 联系电话=13812345678),
        ],
    )
    assert result.errors == []
    one = School.objects.get(credit_code=code(1))
    two = School.objects.get(credit_code=code(2))
    assert (one.student_count, one.teacher_count) == (45, 45)
    assert (two.student_count, two.teacher_count) == (1200, 12)
    assert two.contact_phone == "13812345678"


def test_fractional_or_wordy_counts_are_errors(cast):
    result = run(cast.county_user, [school_row(1, 学生数=45.5, 教职工数="八十")])
    assert errors_at(result) == {(2, "学生数"), (2, "教职工数")}
    assert all("整数" in e.message for e in result.errors)


def test_implausible_counts_are_errors(cast):
    result = run(cast.county_user, [school_row(1, 学生数=100_001, 教职工数=20_000)])
    error = only_error(result)
    assert (error.row, error.column) == (2, "学生数")
    assert "100000" in error.message


def test_empty_optional_cells_are_blank_or_zero(cast):
    result = run(cast.county_user, [school_row(1, 党组织书记=None, 联系电话="", 学生数=None)])
    assert result.errors == []
    school = School.objects.get(credit_code=code(1))
    assert (school.secretary, school.contact_phone, school.student_count) == ("", "", 0)


def test_choice_labels_are_accepted(cast):
    result = run(
        cast.county_user,
        [
            school_row(1, 学校类型="九年一贯制学校", 党组织形式="党总支"),
            school_row(2, 学校类型="中等职业学校", 党组织形式=" 党委 "),
        ],
    )
    assert result.errors == []
    one = School.objects.get(credit_code=code(1))
    two = School.objects.get(credit_code=code(2))
    assert (one.school_type, one.party_org_form) == (
        SchoolType.NINE_YEAR,
        PartyOrgForm.GENERAL_BRANCH,
    )
    assert (two.school_type, two.party_org_form) == (SchoolType.VOCATIONAL, PartyOrgForm.COMMITTEE)


def test_model_validators_apply(cast):
    result = run(
        cast.county_user,
        [school_row(1, 学校名称="校" * 101, 联系电话="请拨打办公室", 校长="李" * 51)],
    )
    assert errors_at(result) == {(2, "学校名称"), (2, "联系电话"), (2, "校长")}
    messages = {e.column: e.message for e in result.errors}
    assert "联系电话只能包含数字" in messages["联系电话"]
    assert "100" in messages["学校名称"]


def test_nothing_written_when_any_row_fails(cast):
    schools, events = School.objects.count(), AuditEvent.objects.count()
    rows = [school_row(i) for i in range(1, 50)]
    rows.append(school_row(50, 学校类型="大学"))
    result = run(cast.county_user, rows)
    assert errors_at(result) == {(51, "学校类型")}
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert School.objects.count() == schools
    assert AuditEvent.objects.count() == events


# --- re-import -------------------------------------------------------------------------------


def test_reimport_of_same_file_changes_nothing(cast):
    data = xlsx([school_row(1), school_row(2)])
    first = import_roster(actor=cast.county_user, data=data, filename="a.xlsx")
    assert first.created == 2
    schools = School.objects.count()
    versions = dict(School.objects.values_list("credit_code", "version"))
    second = import_roster(actor=cast.county_user, data=data, filename="a.xlsx")
    assert second.errors == []
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert School.objects.count() == schools
    assert dict(School.objects.values_list("credit_code", "version")) == versions
    summary = AuditEvent.objects.filter(action=AuditAction.IMPORT, object_id="").first()
    assert summary is not None
    assert summary.object_repr == "学校花名册导入：新增 0 所，更新 0 所"


def test_reimport_updates_changed_schools_only(cast):
    run(cast.county_user, [school_row(1), school_row(2), school_row(3)])
    schools = School.objects.count()
    result = run(
        cast.county_user,
        [
            school_row(1, 校长="王校长", 学生数=900),
            school_row(2),
            school_row(3, 学校类型="初中"),
            school_row(4),
        ],
    )
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (1, 2, 1)
    assert School.objects.count() == schools + 1
    one = School.objects.get(credit_code=code(1))
    assert (one.principal, one.student_count, one.version) == ("王校长", 900, 2)
    assert School.objects.get(credit_code=code(2)).version == 1
    assert School.objects.get(credit_code=code(3)).school_type == SchoolType.JUNIOR
    event = AuditEvent.objects.filter(action=AuditAction.IMPORT, object_id=str(one.pk)).first()
    assert event is not None
    assert event.changes == {"principal": ["李校长", "王校长"], "student_count": [800, 900]}
    summary = AuditEvent.objects.filter(action=AuditAction.IMPORT, object_id="").first()
    assert summary is not None
    assert summary.object_repr == "学校花名册导入：新增 1 所，更新 2 所"


def test_reimport_updates_a_school_entered_by_hand(cast):
    school = cast.school
    row = school_row(
        1,
        学校名称=school.name,
        统一社会信用代码=school.credit_code,
        学校类型="小学",
        党组织形式="党支部",
        党组织书记="新书记",
        校长="",
        联系电话="",
        学生数=600,
        教职工数=40,
    )
    result = run(cast.county_user, [row])
    assert (result.created, result.updated) == (0, 1)
    school.refresh_from_db()
    assert (school.secretary, school.version) == ("新书记", 2)


def test_missing_optional_column_leaves_existing_value(cast):
    run(cast.county_user, [school_row(1)])
    headers = [h for h in ROSTER_HEADERS if h != "校长"]
    row = [v for h, v in zip(ROSTER_HEADERS, school_row(1, 学生数=999), strict=True) if h != "校长"]
    result = run(cast.county_user, [row], headers=headers)
    assert result.updated == 1
    school = School.objects.get(credit_code=code(1))
    assert (school.principal, school.student_count) == ("李校长", 999)


def test_reimport_may_move_a_school_within_scope(cast):
    school = cast.school
    row = school_row(
        1,
        学校名称=school.name,
        统一社会信用代码=school.credit_code,
        党组织书记=school.secretary,
        **{"所属县（市、区）": "安源区"},
    )
    headers = ["学校名称", "统一社会信用代码", "所属县（市、区）", "学校类型", "党组织形式"]
    result = run(cast.city_user, [row[:5]], headers=headers)
    assert (result.created, result.updated) == (0, 1)
    school.refresh_from_db()
    assert (school.county_id, school.version) == (ANYUAN, 2)
    event = AuditEvent.objects.get(action=AuditAction.IMPORT, object_id=str(school.pk))
    assert event.changes == {"county": [f"湘东区 (#{XIANGDONG})", f"安源区 (#{ANYUAN})"]}


def test_instructor_calling_the_service_imports_nothing(cast):
    before = School.objects.count()
    result = run(cast.instructor, [school_row(1)])
    assert only_error(result).message == "无权导入该县（市、区）的学校"
    assert School.objects.count() == before


def test_update_refuses_a_school_saved_since_it_was_read(cast):
    school = School.objects.select_related("county").get(pk=cast.school.pk)
    School.objects.filter(pk=school.pk).update(version=5)  # someone saved it meanwhile
    changes = _apply(school, {"secretary": "新书记"})
    assert changes == {"secretary": ["张书记", "新书记"]}
    with pytest.raises(_Conflict):
        _update_changed([school], set(changes))
    school.refresh_from_db()
    assert (school.secretary, school.version) == ("张书记", 5)


def test_import_queries_do_not_grow_with_rows(cast, django_assert_max_num_queries):
    data = xlsx([school_row(i) for i in range(1, 301)])
    # 16, and one read of the audit chain's head per audit write (issue 9): still flat in rows.
    with django_assert_max_num_queries(18):
        result = import_roster(actor=cast.province_admin, data=data, filename="a.xlsx")
    assert result.created == 300
    changed = xlsx([school_row(i, 学生数=i) for i in range(1, 301)])
    with django_assert_max_num_queries(18):
        result = import_roster(actor=cast.province_admin, data=changed, filename="a.xlsx")
    assert result.updated == 300


# --- template --------------------------------------------------------------------------------


def test_template_has_headers_validations_guide_and_counties(cast):
    workbook = build_template(cast.province_admin)
    assert workbook.sheetnames == [ROSTER_SHEET, GUIDE_SHEET, COUNTY_SHEET]
    sheet = workbook[ROSTER_SHEET]
    headers = [c.value for c in sheet[1]]
    assert [header_key(h) for h in headers] == [header_key(h) for h in ROSTER_HEADERS]
    for cell, (_header, _name, required) in zip(sheet[1], ROSTER_COLUMNS, strict=True):
        assert cell.font.b
        assert (cell.font.color is not None and cell.font.color.rgb == "00C00000") == required
    formulas = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation
    }
    assert formulas["D2"] == '"{}"'.format(",".join(SchoolType.values))
    assert formulas["E2"] == '"{}"'.format(",".join(PartyOrgForm.values))
    assert formulas["C2"].startswith(f"'{COUNTY_SHEET}'!$D$2")
    guide_text = " ".join(
        str(c.value) for row in workbook[GUIDE_SHEET].iter_rows() for c in row if c.value
    )
    for header in ROSTER_HEADERS:
        assert header in guide_text
    counties = list(workbook[COUNTY_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(counties) == Region.objects.filter(level=RegionLevel.COUNTY).count()
    assert ("湘东区", "萍乡市", "360313", "萍乡市湘东区") in counties


def test_template_lists_only_counties_in_scope(cast):
    county_sheet = build_template(cast.county_user)[COUNTY_SHEET]
    assert list(county_sheet.iter_rows(min_row=2, values_only=True)) == [
        ("湘东区", "萍乡市", "360313", "萍乡市湘东区")
    ]
    city_counties = build_template(cast.city_user)[COUNTY_SHEET]
    codes = [row[2] for row in city_counties.iter_rows(min_row=2, values_only=True)]
    assert codes == ["360302", "360313", "360321", "360322", "360323"]


def test_filled_template_imports(cast):
    workbook = build_template(cast.county_user)
    sheet = workbook[ROSTER_SHEET]
    sheet.append(school_row(1, **{"所属县（市、区）": "萍乡市湘东区"}))
    buffer = BytesIO()
    workbook.save(buffer)
    result = import_roster(actor=cast.county_user, data=buffer.getvalue(), filename="模板.xlsx")
    assert result.errors == []
    assert result.created == 1


def test_template_download(cast, client_for):
    response = client_for(cast.county_user).get(reverse("orgs:school_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content))
    sheet = workbook[ROSTER_SHEET]
    assert [header_key(c.value) for c in sheet[1]] == [header_key(h) for h in ROSTER_HEADERS]
    assert len(sheet.data_validations.dataValidation) == 3
    assert workbook[COUNTY_SHEET]["C2"].value == XIANGDONG


@pytest.mark.parametrize(
    "who", ["school_user", "instructor", "leader", "audit_admin", "system_admin", "security_admin"]
)
def test_template_download_404_for_users_who_cannot_create_schools(cast, client_for, who):
    response = client_for(getattr(cast, who)).get(reverse("orgs:school_template"))
    assert response.status_code == 404


# --- page ------------------------------------------------------------------------------------


def error_table(html: str) -> list[tuple[str, ...]]:
    """The (行号, 列, 问题) cells of the page's error table, as text."""
    table = html.split('class="table table-sm table-striped hh-import-errors', 1)[1]
    table = table.split("</table>", 1)[0].split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [
        tuple(
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        )
        for row in rows
    ]


def upload(client: Any, data: bytes, name: str = "花名册.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("orgs:school_import"), {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize(
    "who", ["school_user", "instructor", "leader", "audit_admin", "system_admin", "security_admin"]
)
def test_import_page_404_for_users_who_cannot_create_schools(cast, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get(reverse("orgs:school_import")).status_code == 404
    before = School.objects.count()
    assert upload(client, xlsx([school_row(1)])).status_code == 404
    assert School.objects.count() == before


def test_import_page_needs_login(client):
    response = client.get(reverse("orgs:school_import"))
    assert response.status_code == 302


def test_import_page_shows_form_and_template_link(cast, client_for):
    response = client_for(cast.county_user).get(reverse("orgs:school_import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("orgs:school_template") in html
    assert 'enctype="multipart/form-data"' in html
    for header in ROSTER_HEADERS:
        assert header in html


def test_import_page_success(cast, client_for):
    response = upload(client_for(cast.county_user), xlsx([school_row(1), school_row(2)]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入成功" in html
    assert "新增 2 所学校，更新 0 所，0 所无变化" in html
    assert f"{reverse('orgs:school_list')}?county={XIANGDONG}" in html
    assert School.objects.filter(credit_code__in=[code(1), code(2)]).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT, actor=cast.county_user).count() == 3


def test_import_page_shows_every_error_with_row_and_column(cast, client_for):
    rows = [school_row(1), school_row(2, 学校类型="大学", **{"所属县（市、区）": "安源区"})]
    before = School.objects.count()
    response = upload(client_for(cast.county_user), xlsx(rows))
    assert response.status_code == 400
    html = response.content.decode()
    assert "没有写入任何数据" in html
    assert "发现 2 处问题" in html
    assert error_table(html) == [
        ("第 3 行", "所属县（市、区）", "无权导入该县（市、区）的学校"),
        ("第 3 行", "学校类型", "“大学”不是可选值，应为：" + "、".join(SchoolType.values)),
    ]
    assert School.objects.count() == before


def test_import_page_lists_the_first_thousand_errors(cast, client_for):
    rows = [school_row(i, 学校类型="大学") for i in range(1, 1003)]
    response = upload(client_for(cast.county_user), xlsx(rows))
    html = response.content.decode()
    assert "发现 1002 处问题" in html
    assert "下表仅列出前 1000 处" in html
    table = error_table(html)
    assert len(table) == 1000
    assert table[0][:2] == ("第 2 行", "学校类型")


def test_import_page_file_error(cast, client_for):
    response = upload(client_for(cast.county_user), b"garbage", name="花名册.doc")
    assert response.status_code == 400
    assert error_table(response.content.decode()) == [
        ("—", "—", "只能导入 .xlsx 格式的 Excel 文件，请使用下载的导入模板填写。")
    ]
    assert "只能导入 .xlsx" in response.content.decode()


def test_import_page_refuses_large_upload(cast, client_for):
    data = b"\0" * (10 * 1024 * 1024 + 1)
    response = upload(client_for(cast.county_user), data)
    assert response.status_code == 400
    assert "超过上限 10 MB" in response.content.decode()


def test_import_page_without_file(cast, client_for):
    response = client_for(cast.county_user).post(reverse("orgs:school_import"), {})
    assert response.status_code == 400


def test_school_list_links_to_import_for_county_user(cast, client_for):
    html = client_for(cast.county_user).get(reverse("orgs:school_list")).content.decode()
    assert reverse("orgs:school_import") in html


def test_a_zip_bomb_is_refused_before_parsing(cast):
    """A small upload that unpacks to far more than any roster is refused, nothing written."""
    import zipfile as zf
    from io import BytesIO

    from handinhand.orgs.imports import import_roster
    from handinhand.orgs.models import School

    buffer = BytesIO()
    with zf.ZipFile(buffer, "w", compression=zf.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", "0" * (40 * 1024 * 1024))
    before = School.objects.count()
    result = import_roster(
        actor=cast.county_user, data=buffer.getvalue(), filename="bomb.xlsx", max_file_mb=1
    )
    assert result.errors and "解压后过大" in result.errors[0].message
    assert School.objects.count() == before
