"""Roster import (名册导入) of the members of groups that already exist on paper.

Every row is checked and every problem reported with its row and column as Excel shows them, in
Chinese; only a file without a single problem is written, in one transaction; importing the
same file again updates the memberships instead of adding them twice (a person is known by the
digest of their ID number). The file is read through orgs.imports' guarded reader (size, zip
bomb, row count and time limits)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections import defaultdict
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from handinhand.accounts.models import User
from handinhand.appointments.models import PersonRecord
from handinhand.core import audit, audit_chain
from handinhand.core.models import AuditAction
from handinhand.core.scope import get_scope
from handinhand.core.services import create_object
from handinhand.orgs.imports import (
    RowError,
    _FileError,
    _open_sheet,
    header_key,
    import_limits,
    limited_rows,
)
from handinhand.orgs.models import Unit
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership
from handinhand.programme.services import membership_create, membership_update

# (header, field, required)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("指导组", "group", True),
    ("姓名", "name", True),
    ("身份证号", "id_number", True),
    ("所在单位", "unit", True),
    ("职称/职务", "title", False),
    ("组内职务", "role", True),
    ("任期开始", "term_start", True),
    ("任期结束", "term_end", True),
    ("联系电话", "phone", False),
)
HEADERS = tuple(h for h, _f, _r in COLUMNS)
HEADER_OF = {f: h for h, f, _r in COLUMNS}
_BY_KEY = {header_key(h): (h, f, r) for h, f, r in COLUMNS}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_ID = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    accounts: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def importable_groups(user: User) -> Any:
    """Groups whose roster the user may import: every group for the province; a bureau's
    city and county groups of its own region."""
    scope = get_scope(user)
    if scope.everything:
        return GuidanceGroup.objects.all()
    query = Q(pk__in=[])
    for path in scope.staff_paths:
        query |= Q(region__path__startswith=path)
    return GuidanceGroup.objects.filter(query).exclude(level=GroupLevel.PROVINCE)


def can_import(user: User) -> bool:
    scope = get_scope(user)
    return scope.everything or bool(scope.staff_paths)


def id_digest(number: str) -> str:
    # Keyed, not merely salted: an 18-character ID number has few enough possible values
    # (region, birth date, sequence) that a plain digest is reversed by trying them all, so the
    # key is the audit chain's (AUDIT_HMAC_KEY in production), which never leaves the server
    # and stays fixed across deployments, as it must for a person to be recognised at the next
    # import. The domain prefix keeps these digests apart from the chain's.
    message = f"handinhand-person:{number.upper()}".encode()
    return hmac.new(audit_chain.hmac_key(), message, hashlib.sha256).hexdigest()


def valid_id_number(number: str) -> bool:
    """GB 11643: 17 digits, then the check character."""
    if not _ID.match(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(_text(value))
    if not match:
        raise ValueError
    return dt.date(*(int(x) for x in match.groups()))


def build_template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成员名册"
    sheet.append([f"{h}*" if r else h for h, _f, r in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        [
            "南昌大学党建指导组",
            "张三",
            "360102198001011234",
            "南昌大学",
            "教授/党委组织部副部长",
            "指导员",
            "2024-05-07",
            "2027-05-06",
            "",
        ]
    )
    for i, width in enumerate((28, 10, 22, 20, 24, 10, 12, 12, 14)):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    guide = workbook.create_sheet("填写说明")
    for line in (
        "带*的列必填；第2行是示例，导入前请删除。",
        "指导组：填写平台中已有指导组的全称。所在单位：填写平台中已有单位的全称。",
        "身份证号：18位，平台只保存其摘要和后四位，用于识别同一人员；再次导入同一人员时更新其任职。",
        "组内职务：组长、副组长、指导员、联络员之一；每个指导组只能有一名组长。",
        "日期格式：2025-03-01；任期结束日期须晚于开始日期。",
        "任何一行有误时整份文件都不会导入，请按提示的行和列修改后重新导入。",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 100
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


T = TypeVar("T")


def _need(value: T | None) -> T:
    """A row's group, unit or person, which the checks guarantee before anything is written."""
    if value is None:
        raise RuntimeError("roster row written before it was checked")
    return value


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    group: GuidanceGroup | None = None
    unit: Unit | None = None
    user: User | None = None
    digest: str = ""


def _read(data: bytes, filename: str) -> tuple[list[_Row], list[RowError]]:
    limits = import_limits()
    errors: list[RowError] = []
    rows: list[_Row] = []
    with _open_sheet(data, filename, limits) as sheet:
        positions: dict[str, int] = {}
        header_row = 0
        for number, cells in limited_rows(sheet, limits, max_col=len(COLUMNS) + 10):
            texts = [_text(v) for v in cells]
            if not any(texts):
                continue
            if not positions:
                for index, value in enumerate(cells):
                    known = _BY_KEY.get(header_key(value)) if value is not None else None
                    if known:
                        positions[known[1]] = index
                if positions:
                    header_row = number
                    missing = [h for h, f, r in COLUMNS if r and f not in positions]
                    errors += [
                        RowError(number, h, _("缺少必填列“%(h)s”") % {"h": h}) for h in missing
                    ]
                    if missing:
                        return [], errors
                continue
            values = {name: cells[i] if i < len(cells) else None for name, i in positions.items()}
            rows.append(_Row(number, values))
        if not header_row:
            errors.append(RowError(0, "", _("没有找到表头，请使用下载的导入模板填写。")))
    return rows, errors


def import_roster(*, actor: User, data: bytes, filename: str) -> RosterResult:
    result = RosterResult()
    if not can_import(actor):
        result.errors = [RowError(0, "", _("您无权导入指导组成员名册"))]
        return result
    try:
        rows, errors = _read(data, filename)
    except _FileError as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    if not errors and not rows:
        errors.append(RowError(0, "", _("文件中没有数据。")))
    if errors:
        result.errors = errors
        return result
    errors = _check(actor, rows)
    if errors:
        result.errors = sorted(
            errors, key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else 99)
        )
        return result
    try:
        with transaction.atomic():
            _write(actor, rows, result)
            audit.record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="programme.membership",
                object_repr=_("指导组成员名册导入（%(n)s行）") % {"n": len(rows)},
                changes={
                    "file": [None, filename],
                    "created": [None, result.created],
                    "updated": [None, result.updated],
                },
            )
    except ValidationError as exc:
        # A rule only the database checks (it should not happen after _check): nothing stays.
        result.created = result.updated = result.accounts = 0
        result.errors = [RowError(0, "", "；".join(exc.messages))]
    return result


OUT_OF_REACH = _lazy("该人员已有账号，但不在您的管理范围内，请由省级管理员导入")


def _attachable(actor: User, candidates: set[int]) -> set[int]:
    """Of these existing accounts, those this importer may put in a group: anyone for the
    province; for a bureau, people already in a group it may import into, or of a unit in its
    region. Anyone else's account stays out of their reach (and out of their sight)."""
    scope = get_scope(actor)
    if scope.everything or not candidates:
        return candidates
    reach = Q(memberships__group__in=importable_groups(actor))
    for path in scope.staff_paths:
        reach |= Q(unit__region__path__startswith=path)
    return set(User.objects.filter(reach, pk__in=candidates).values_list("pk", flat=True))


def _check(actor: User, rows: list[_Row]) -> list[RowError]:
    errors: list[RowError] = []

    def err(row: _Row, name: str, message: str) -> None:
        errors.append(RowError(row.number, HEADER_OF.get(name, ""), message))

    groups = {g.name: g for g in importable_groups(actor).select_related("region")}
    units: dict[str, Unit] = {}
    for unit in Unit.objects.select_related("university"):
        units[unit.name] = unit
        if unit.university and unit.university.short_name:
            units.setdefault(unit.university.short_name, unit)
    digests = {
        r.id_digest: r
        for r in PersonRecord.objects.select_related("user").filter(
            id_digest__in=[id_digest(_text(row.values.get("id_number")).upper()) for row in rows]
        )
    }
    attachable = _attachable(actor, {r.user_id for r in digests.values()})
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        v = row.values
        for _head, name, required in COLUMNS:
            if required and not _text(v.get(name)):
                err(row, name, _("必填项不能为空"))
        group_name = _text(v.get("group"))
        if group_name:
            row.group = groups.get(group_name)
            if row.group is None:
                err(
                    row,
                    "group",
                    _("未知指导组“%(g)s”，请填写平台中已有指导组的全称") % {"g": group_name},
                )
        unit_name = _text(v.get("unit"))
        if unit_name:
            row.unit = units.get(unit_name)
            if row.unit is None:
                err(
                    row, "unit", _("未知单位“%(u)s”，请填写平台中已有单位的全称") % {"u": unit_name}
                )
        role = v["role"] = _text(v.get("role"))
        if role and role not in MemberRole.values:
            err(
                row,
                "role",
                _("组内职务“%(r)s”无效，应为：%(all)s")
                % {"r": role, "all": "、".join(MemberRole.values)},
            )
        start = end = None
        for name in ("term_start", "term_end"):
            raw = v.get(name)
            if _text(raw):
                try:
                    day = _date(raw)
                except ValueError:
                    err(row, name, _("日期“%(d)s”格式不正确，应为 2025-03-01") % {"d": _text(raw)})
                    continue
                if name == "term_start":
                    start = day
                else:
                    end = day
        if start and end and end <= start:
            err(row, "term_end", _("任期结束日期必须晚于开始日期"))
        v["term_start"], v["term_end"] = start, end
        number = _text(v.get("id_number")).upper()
        name = _text(v.get("name"))
        if number and not valid_id_number(number):
            err(row, "id_number", _("身份证号“%(n)s”不是有效的18位身份证号") % {"n": number})
            continue
        if not number or not name:
            continue
        row.digest = id_digest(number)
        v["id_tail"] = number[-4:]
        known = digests.get(row.digest)
        if known is not None:
            # Neither the registered name nor anything else of a person is echoed back: an
            # importer could otherwise look people up by guessing ID numbers.
            if (known.user.full_name or "") != name:
                err(row, "id_number", _("身份证号与姓名不一致，请核对"))
            elif known.user.pk not in attachable:
                err(row, "id_number", str(OUT_OF_REACH))
            row.user = known.user
        elif row.unit is not None:
            namesakes = list(
                User.objects.filter(full_name=name, unit=row.unit).select_related("person_record")
            )
            recorded = [u for u in namesakes if hasattr(u, "person_record")]
            if recorded:
                err(
                    row,
                    "id_number",
                    _("“%(unit)s”已有同名人员，其登记的身份证号与本行不一致，请核对")
                    % {"unit": row.unit},
                )
            elif len(namesakes) == 1:
                if namesakes[0].pk in _attachable(actor, {namesakes[0].pk}):
                    row.user = namesakes[0]
                else:
                    err(row, "name", str(OUT_OF_REACH))
        if row.group is not None:
            key = (row.group.pk, row.digest)
            if key in seen:
                err(
                    row,
                    "id_number",
                    _("与第%(n)s行是同一人员、同一指导组，重复") % {"n": seen[key]},
                )
            seen[key] = row.number
    _check_leaders(rows, err)
    return errors


def _check_leaders(rows: list[_Row], err: Any) -> None:
    by_group: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.group is not None:
            by_group[row.group.pk].append(row)
    for group_rows in by_group.values():
        group = _need(group_rows[0].group)
        leaders = [r for r in group_rows if _text(r.values.get("role")) == MemberRole.LEADER]
        for extra in leaders[1:]:
            err(
                extra,
                "role",
                _("指导组“%(g)s”只能有一名组长，第%(first)s行已是组长")
                % {"g": group, "first": leaders[0].number},
            )
        if not leaders:
            continue
        people = {r.user.pk for r in group_rows if r.user is not None}
        sitting = (
            Membership.objects.filter(group=group, is_active=True, role=MemberRole.LEADER)
            .exclude(user_id__in=people)
            .select_related("user")
            .first()
        )
        if sitting is not None:
            err(
                leaders[0],
                "role",
                _("指导组“%(g)s”已有在任组长“%(who)s”，请先结束其任期或在名册中列出其新职务")
                % {"g": group, "who": sitting.user},
            )


def _write(actor: User, rows: list[_Row], result: RosterResult) -> None:
    # People first (accounts and ID records), then memberships: those leaving the leader's
    # place before anyone takes it, for the database's one-leader rule.
    made: dict[str, User] = {}
    for row in rows:
        v = row.values
        unit = _need(row.unit)
        if row.user is None and row.digest in made:
            row.user = made[row.digest]
        if row.user is None:
            user = User(
                username=f"p{row.digest[:12]}",
                full_name=_text(v["name"]),
                unit=unit,
                work_unit=unit.name,
                title=_text(v.get("title"))[:50],
                phone=_text(v.get("phone"))[:30],
            )
            user.set_unusable_password()
            row.user = made[row.digest] = create_object(actor=actor, instance=user)
            result.accounts += 1
        if not PersonRecord.objects.filter(user=row.user).exists():
            create_object(
                actor=actor,
                instance=PersonRecord(user=row.user, id_digest=row.digest, id_tail=v["id_tail"]),
            )
    existing = {
        (m.group_id, m.user_id): m
        for m in Membership.objects.filter(
            is_active=True,
            group_id__in={r.group.pk for r in rows if r.group},
            user_id__in={r.user.pk for r in rows if r.user},
        )
    }

    def order(row: _Row) -> int:
        m = existing.get((_need(row.group).pk, _need(row.user).pk))
        stepping_down = m is not None and m.role == MemberRole.LEADER
        return 0 if stepping_down else (2 if row.values["role"] == MemberRole.LEADER else 1)

    for row in sorted(rows, key=order):
        group, user = _need(row.group), _need(row.user)
        v = row.values
        data = {"role": v["role"], "term_start": v["term_start"], "term_end": v["term_end"]}
        m = existing.get((group.pk, user.pk))
        if m is None:
            membership_create(actor=actor, group=group, user=user, **data)
            result.created += 1
        elif any(getattr(m, k) != val for k, val in data.items()):
            membership_update(actor=actor, membership=m, data=data, expected_version=None)
            result.updated += 1
