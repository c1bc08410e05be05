"""Roster import of memberships (.xlsx): every bad row reported with its row and column in
Chinese, nothing written when one row fails, and a second import updates instead of adding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from handinhand.accounts.models import User
from handinhand.appointments.imports import (
    _ID_CHECK,
    _ID_WEIGHTS,
    HEADERS,
    build_template,
    import_roster,
    valid_id_number,
)
from handinhand.appointments.models import PersonRecord
from handinhand.appointments.tests.factories import setup, xlsx
from handinhand.conftest import Cast
from handinhand.programme.models import Membership

pytestmark = pytest.mark.django_db
GROUP = "南昌大学第二党建指导组"


def id_number(serial: int) -> str:
    body = f"36010219800101{serial:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[total % 11]


def row(name: str, serial: int, role: str = "指导员", **kw: Any) -> list[Any]:
    return [
        kw.get("group", GROUP),
        name,
        kw.get("id", id_number(serial)),
        kw.get("unit", "南昌大学"),
        kw.get("title", "教授"),
        role,
        kw.get("start", "2024-05-07"),
        kw.get("end", "2027-05-06"),
        "",
    ]


def roster() -> list[list[Any]]:
    return [
        row("甲组长", 1, "组长"),
        row("乙指导", 2),
        row("丙指导", 3),
        row("丁指导", 4),
        row("戊指导", 5),
    ]


def test_id_numbers_are_checked() -> None:
    assert valid_id_number(id_number(1))
    assert not valid_id_number(id_number(1)[:-1] + ("0" if id_number(1)[-1] != "0" else "1"))


def test_template_has_the_columns() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(build_template())).worksheets[0]
    assert [c.value.rstrip("*") for c in sheet[1]] == list(HEADERS)


def test_import_creates_then_reimport_updates(cast: Cast) -> None:
    s = setup(cast)
    result = import_roster(actor=cast.province_admin, data=xlsx(roster()), filename="名册.xlsx")
    assert result.ok, result.errors
    assert (result.created, result.updated, result.accounts) == (5, 0, 5)
    members = Membership.objects.filter(group=s.group, is_active=True)
    assert members.count() == 5
    assert PersonRecord.objects.count() == 5
    # Only a digest and the last four characters of the ID number are kept.
    record = PersonRecord.objects.get(user__full_name="甲组长")
    assert record.id_tail == id_number(1)[-4:] and id_number(1) not in record.id_digest

    again = roster()
    again[1] = row("乙指导", 2, end="2028-05-06")
    result = import_roster(actor=cast.province_admin, data=xlsx(again), filename="名册.xlsx")
    assert result.ok, result.errors
    assert (result.created, result.updated, result.accounts) == (0, 1, 0)
    assert members.count() == 5
    assert members.get(user__full_name="乙指导").term_end == dt.date(2028, 5, 6)
    assert User.objects.filter(full_name="乙指导").count() == 1


def test_reimport_moves_the_leader(cast: Cast) -> None:
    s = setup(cast)
    assert import_roster(actor=cast.province_admin, data=xlsx(roster()), filename="a.xlsx").ok
    swapped = roster()
    swapped[0] = row("甲组长", 1, "指导员")
    swapped[1] = row("乙指导", 2, "组长")
    result = import_roster(actor=cast.province_admin, data=xlsx(swapped), filename="a.xlsx")
    assert result.ok, result.errors
    leader = Membership.objects.get(group=s.group, is_active=True, role="组长")
    assert leader.user.full_name == "乙指导"


def test_an_existing_person_is_recognised_by_name_and_unit(cast: Cast) -> None:
    s = setup(cast)
    rows = roster()
    rows[1] = row(s.people[1].full_name, 2)
    result = import_roster(actor=cast.province_admin, data=xlsx(rows), filename="a.xlsx")
    assert result.ok, result.errors
    assert result.accounts == 4
    assert Membership.objects.filter(group=s.group, user=s.people[1]).exists()
    assert s.people[1].person_record.id_tail == id_number(2)[-4:]


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        (row("乙指导", 2, group="不存在的指导组"), "指导组", "未知指导组“不存在的指导组”"),
        (row("乙指导", 2, unit="不存在的单位"), "所在单位", "未知单位“不存在的单位”"),
        (row("乙指导", 2, start="2027-05-06", end="2024-05-07"), "任期结束", "必须晚于开始日期"),
        (row("乙指导", 2, start="2024/13/45"), "任期开始", "格式不正确"),
        (row("乙指导", 2, start="明年"), "任期开始", "格式不正确"),
        (row("乙指导", 2, "组长"), "组内职务", "只能有一名组长，第2行已是组长"),
        (row("乙指导", 2, "队长"), "组内职务", "组内职务“队长”无效"),
        (row("乙指导", 2, id="36010219800101002X"), "身份证号", "不是有效的18位身份证号"),
        (row("", 2), "姓名", "必填项不能为空"),
    ],
)
def test_each_bad_row_is_reported_and_nothing_written(
    cast: Cast, bad: list[Any], column: str, message: str
) -> None:
    setup(cast)
    rows = roster()
    rows[1] = bad
    result = import_roster(actor=cast.province_admin, data=xlsx(rows), filename="a.xlsx")
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert message in result.errors[0].message
    assert not Membership.objects.filter(group__name=GROUP).exists()
    assert not User.objects.filter(full_name="甲组长").exists()


def test_an_existing_person_with_another_id_number_is_refused(cast: Cast) -> None:
    setup(cast)
    assert import_roster(actor=cast.province_admin, data=xlsx(roster()), filename="a.xlsx").ok
    rows = roster()
    rows[2] = row("丙指导", 9)  # the same person (name and unit), another ID number
    result = import_roster(actor=cast.province_admin, data=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(4, "身份证号")]
    # Said without echoing anything of the person registered (review: no lookup by guessing).
    assert "已有同名人员" in result.errors[0].message
    assert id_number(3)[-4:] not in result.errors[0].message
    # And an ID number already registered to someone else by another name.
    rows = roster()
    rows[3] = row("改名者", 4)
    result = import_roster(actor=cast.province_admin, data=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(5, "身份证号")]
    assert "身份证号与姓名不一致" in result.errors[0].message
    assert "丁指导" not in result.errors[0].message


def test_a_bureau_cannot_reach_an_account_outside_its_region(cast: Cast) -> None:
    from handinhand.programme.models import GroupLevel, GuidanceGroup

    setup(cast)
    assert import_roster(actor=cast.province_admin, data=xlsx(roster()), filename="a.xlsx").ok
    GuidanceGroup.objects.create(
        name="萍乡市党建指导组", level=GroupLevel.CITY, region_id="360300", batch=cast.batch
    )
    # 乙指导 (南昌大学, a provincial group's member) by their real ID number, into 萍乡's group.
    rows = [row("乙指导", 2, group="萍乡市党建指导组")]
    result = import_roster(actor=cast.city_user, data=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(2, "身份证号")]
    assert "不在您的管理范围内" in result.errors[0].message
    assert not Membership.objects.filter(group__name="萍乡市党建指导组").exists()


def test_a_sitting_leader_not_in_the_roster_is_reported(cast: Cast) -> None:
    # The cast's 南昌大学 group has its leader (王组长); a roster naming another leader for it
    # without listing him would make two.
    setup(cast)
    rows = [row("新组长", 7, "组长", group="南昌大学党建指导组")]
    result = import_roster(actor=cast.province_admin, data=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(2, "组内职务")]
    assert "已有在任组长“王组长”" in result.errors[0].message


def test_many_errors_are_all_reported(cast: Cast) -> None:
    setup(cast)
    rows = roster()
    rows[1] = row("乙指导", 2, group="某组")
    rows[3] = row("丁指导", 4, unit="某单位", end="2020-01-01")
    result = import_roster(actor=cast.province_admin, data=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "指导组"),
        (5, "所在单位"),
        (5, "任期结束"),
    ]


def test_a_missing_column_and_a_wrong_file(cast: Cast) -> None:
    setup(cast)
    headers = [h for h in HEADERS if h != "身份证号"]
    result = import_roster(
        actor=cast.province_admin, data=xlsx([], header=headers), filename="a.xlsx"
    )
    assert "缺少必填列“身份证号”" in result.errors[0].message
    result = import_roster(actor=cast.province_admin, data=b"not excel", filename="a.xlsx")
    assert result.errors and result.errors[0].row == 0
    result = import_roster(actor=cast.province_admin, data=b"x", filename="a.csv")
    assert ".xlsx" in result.errors[0].message


def test_a_bureau_imports_only_its_own_regions_groups(cast: Cast) -> None:
    setup(cast)
    # A provincial group is unknown to the city's bureau.
    result = import_roster(actor=cast.city_user, data=xlsx(roster()), filename="a.xlsx")
    assert {e.column for e in result.errors} == {"指导组"}


def test_import_page_shows_row_and_column(cast: Cast, client_for: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    setup(cast)
    rows = roster()
    rows[0] = row("甲组长", 1, "组长", unit="某单位")
    upload = SimpleUploadedFile("名册.xlsx", xlsx(rows))
    response = client_for(cast.province_admin).post(
        reverse("appointments:roster_import"), {"file": upload}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "第2行" in body and "所在单位" in body and "未知单位“某单位”" in body
    response = client_for(cast.province_admin).get(reverse("appointments:roster_template"))
    assert response.status_code == 200
