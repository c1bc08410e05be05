"""School roster (花名册) import from .xlsx: the column contract shared by the template, the
import and the benchmarks.

`import_roster` reads the whole file, validates every row and reports every problem (row and
column as Excel shows them); only a file without a single problem is written, in one
transaction, with bulk statements and one audit event per school. The credit code is the
natural key: a code already registered updates that school instead of adding another.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from itertools import chain
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from handinhand.accounts.models import User
from handinhand.core import audit, spreadsheets, statistics
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.core.policy import get_policy
from handinhand.core.scope import Scope, get_scope
from handinhand.core.text import normalise_text
from handinhand.core.uploads import MAX_UNPACKED_RATIO
from handinhand.orgs.credit_code import make_credit_code, validate_credit_code
from handinhand.orgs.models import PartyOrgForm, Region, RegionLevel, School, SchoolType
from handinhand.orgs.services import editable_counties

# (header as users see it in the template, School field, required)
ROSTER_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("学校名称", "name", True),
    ("统一社会信用代码", "credit_code", True),
    ("所属县（市、区）", "county", True),
    ("学校类型", "school_type", True),
    ("党组织形式", "party_org_form", True),
    ("党组织书记", "secretary", False),
    ("校长", "principal", False),
    ("联系电话", "contact_phone", False),
    ("学生数", "student_count", False),
    ("教职工数", "teacher_count", False),
)
ROSTER_HEADERS = tuple(header for header, _field, _required in ROSTER_COLUMNS)

ROSTER_SHEET = "学校花名册"
GUIDE_SHEET = "填写说明"
COUNTY_SHEET = "县区代码"
REQUIRED_MARK = "*"
TEMPLATE_ROWS = 20000  # how far down the template's drop-downs reach
COUNT_FIELDS = ("student_count", "teacher_count")
TEXT_FIELDS = ("name", "secretary", "principal")
CHUNK = 2000  # credit codes per `IN (...)` and rows per bulk statement
HEADER_SEARCH_ROWS = 10  # a title line or two above the headers is common in real rosters

_HEADER_MARKS = re.compile(r"^[*]+|([*]|\(必填\)|必填)+$")
_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")
_SPACES = re.compile(r"\s+")
# Full-width digits and Latin letters, as pasted from Word and WPS; Chinese punctuation such
# as （） in school names stays as typed, like the names entered in the school form.
_FULLWIDTH_ALNUM = {
    cp: cp - 0xFEE0
    for cp in chain(range(0xFF10, 0xFF1A), range(0xFF21, 0xFF3B), range(0xFF41, 0xFF5B))
}


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it; 0 for a problem with the file itself
    column: str  # the header, "" when the problem is not in one column
    message: str


@dataclass
class RosterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    county_codes: set[str] = field(default_factory=set)  # where the imported schools are

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    """A problem with the file as a whole: nothing of it is read further."""


@dataclass
class _Row:
    number: int
    values: dict[str, Any]  # the valid cells, normalised, by School field


# --- reading ---------------------------------------------------------------------------------


def header_key(value: Any) -> str:
    """A header as compared: half-width, no spaces, without the template's required marks."""
    text = normalise_text(value).replace(" ", "")
    return _HEADER_MARKS.sub("", text)


_COLUMN_BY_KEY = {header_key(h): (h, name, required) for h, name, required in ROSTER_COLUMNS}


def _text(value: Any) -> str:
    """A cell as text: numbers typed into text columns lose the ".0" Excel adds."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_text(value)


def _name_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(_FULLWIDTH_ALNUM).replace("\u3000", " ")
    return _SPACES.sub(" ", text).strip()


def _integer(value: Any) -> int | None:
    """An integer from a number or number-like text ("１２００", " 45 ", 45.0, "1,200")."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    text = normalise_text(value).replace(" ", "").replace(",", "")
    if not text:
        return None
    if not _INTEGER.match(text):
        raise ValueError
    return int(text.split(".")[0])


Numbered = tuple[int, tuple[Any, ...]]


@dataclass(frozen=True)
class _Limits:
    """How much of a file is read at most: its size, what it unpacks to, its rows (blank ones
    too) and the time spent (issue 9: a small file of a million blank rows held a worker)."""

    max_bytes: int
    max_unpacked_bytes: int
    max_rows: int
    deadline: float  # on the monotonic clock


def import_limits(*, max_file_mb: float | None = None, max_rows: int | None = None) -> _Limits:
    """The policy's limits for one .xlsx import, starting its clock now."""
    policy = get_policy().imports
    return _Limits(
        max_bytes=int((max_file_mb if max_file_mb is not None else policy.max_file_mb) * 2**20),
        max_unpacked_bytes=int(policy.max_unpacked_mb * 2**20),
        max_rows=max_rows or policy.max_rows,
        deadline=time.monotonic() + policy.max_seconds,
    )


def limited_rows(sheet: Any, limits: _Limits, *, max_col: int | None = None) -> Iterator[Numbered]:
    """Every row of the sheet from the first, counted (blank ones too) against the limits."""
    return spreadsheets.counted_rows(
        _rows(sheet, max_col=max_col),
        first_row=HEADER_SEARCH_ROWS + 1,  # rows above the data: title lines and headers
        max_rows=limits.max_rows,
        deadline=limits.deadline,
    )


@contextmanager
def _open_sheet(data: bytes, filename: str, limits: _Limits) -> Iterator[Any]:
    """The roster sheet of an uploaded workbook, after the checks that need no parsing."""
    max_bytes = limits.max_bytes
    if not filename.lower().endswith(".xlsx"):
        if filename.lower().endswith((".xls", ".et", ".csv")):
            raise _FileError(
                _("请上传 .xlsx 格式的文件（可在 Excel 或 WPS 中“另存为”Excel 工作簿 .xlsx）。")
            )
        raise _FileError(_("只能导入 .xlsx 格式的 Excel 文件，请使用下载的导入模板填写。"))
    if len(data) > max_bytes:
        raise _FileError(
            _("文件大小 %(size).1f MB，超过上限 %(max)g MB，请拆分后分批导入。")
            % {"size": len(data) / 1024 / 1024, "max": max_bytes / 1024 / 1024}
        )
    if not data:
        raise _FileError(_("文件是空的，请选择填写好的花名册文件。"))
    _refuse_zip_bomb(data, min(limits.max_unpacked_bytes, MAX_UNPACKED_RATIO * max_bytes))
    try:
        # Title lines and the header sit above the data rows.
        spreadsheets.check_row_counts(data, limits.max_rows, above=HEADER_SEARCH_ROWS + 1)
    except spreadsheets.SpreadsheetLimitError as exc:
        raise _FileError(str(exc)) from exc
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: the file is damaged
        raise _FileError(_damaged()) from exc
    try:
        names = workbook.sheetnames
        sheet = workbook[ROSTER_SHEET] if ROSTER_SHEET in names else workbook.worksheets[0]
        # Some programs write a wrong <dimension>; read every row that is really there.
        sheet.reset_dimensions()
        yield sheet
    except spreadsheets.SpreadsheetLimitError as exc:
        raise _FileError(str(exc)) from exc
    finally:
        workbook.close()


def _refuse_zip_bomb(data: bytes, max_unpacked_bytes: int) -> None:
    try:
        spreadsheets.check_unpacked_size(data, max_unpacked_bytes)
    except spreadsheets.SpreadsheetLimitError as exc:
        raise _FileError(str(exc)) from exc


def _damaged() -> str:
    return spreadsheets.damaged_message()


def _rows(sheet: Any, *, min_row: int = 1, max_col: int | None = None) -> Iterator[Numbered]:
    """The sheet's rows from `min_row`, each with its number as Excel shows it. `max_col`
    matters: a row formatted across the whole width has 16,384 cells."""
    try:
        cells = sheet.iter_rows(min_row=min_row, max_col=max_col, values_only=True)
        yield from enumerate(cells, start=min_row)
    except Exception as exc:
        raise _FileError(_damaged()) from exc


def _is_empty(row: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _find_header(rows: Iterator[Numbered]) -> Numbered:
    """The header row: the first row naming a known column (a title line or two above the
    headers is common), else the first row that is not empty, for the errors to name."""
    first: Numbered | None = None
    for seen, (number, row) in enumerate(rows):
        if _is_empty(row):
            continue
        if any(header_key(v) in _COLUMN_BY_KEY for v in row if v is not None):
            return number, row
        first = first or (number, row)
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise _FileError(_("文件中没有数据：第一个工作表是空的。"))
    return first


def _map_headers(
    header_row: int, cells: Sequence[Any], errors: list[RowError]
) -> tuple[dict[str, int], bool]:
    """Field name → column index, and whether rows can be read with it. Every missing,
    unknown or repeated header is an error."""
    mapping: dict[str, int] = {}
    usable = True
    for index, cell in enumerate(cells):
        if cell is None or not normalise_text(cell):
            continue
        column = _COLUMN_BY_KEY.get(header_key(cell))
        letter = get_column_letter(index + 1)
        if column is None:
            errors.append(
                RowError(
                    header_row,
                    normalise_text(cell),
                    _("无法识别的列（%(letter)s 列），请使用导入模板中的列名，或删除该列")
                    % {"letter": letter},
                )
            )
            continue
        header, name, _required = column
        if name in mapping:
            usable = False
            errors.append(
                RowError(header_row, header, _("列名重复（%(letter)s 列）") % {"letter": letter})
            )
            continue
        mapping[name] = index
    for header, name, required in ROSTER_COLUMNS:
        if required and name not in mapping:
            usable = False
            errors.append(
                RowError(header_row, header, _("缺少必填列“%(header)s”") % {"header": header})
            )
    return mapping, usable


# --- counties --------------------------------------------------------------------------------


class _Counties:
    """Every county once (one query), found by code, name, or city + name."""

    def __init__(self) -> None:
        counties = list(
            Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent__parent")
        )
        self.by_code = {c.code: c for c in counties}
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        self.by_full_name: dict[str, Region] = {}
        for county in counties:
            self.by_name[self._key(county.name)].append(county)
            city = county.parent
            if city is not None:
                self.by_full_name[self._key(city.name + county.name)] = county
                if city.parent is not None:
                    self.by_full_name[self._key(city.parent.name + city.name + county.name)] = (
                        county
                    )

    @staticmethod
    def _key(text: str) -> str:
        return normalise_text(text).replace(" ", "")

    def find(self, text: str) -> tuple[Region | None, str]:
        key = self._key(text)
        if key in self.by_code:
            return self.by_code[key], ""
        if key in self.by_full_name:
            return self.by_full_name[key], ""
        found = self.by_name.get(key, [])
        if len(found) == 1:
            return found[0], ""
        if found:
            example = found[0].full_name
            return None, _(
                "“%(name)s”在多个设区市都有，请在前面加上设区市名称，如“%(example)s”"
            ) % {"name": text, "example": example}
        return None, _(
            "找不到县（市、区）“%(name)s”，请填写县区名称、带设区市的全称或六位区划代码"
            "（见模板“县区代码”工作表）"
        ) % {"name": text}


# --- validating ------------------------------------------------------------------------------


@cache
def _model_field(name: str) -> models.Field[Any, Any]:
    model_field = School._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise TypeError(f"School.{name} is a relation, not a column")
    return model_field


def _count_limits() -> dict[str, int]:
    """The upper bounds of the school's "plausible counts" check constraint, read from it so
    that the import names the row before the database would refuse the whole file."""
    limits: dict[str, int] = {}
    for constraint in School._meta.constraints:
        condition = getattr(constraint, "condition", None)
        for child in getattr(condition, "children", []):
            if isinstance(child, tuple) and child[0].endswith("__lte"):
                limits[child[0].removesuffix("__lte")] = int(child[1])
    return limits


def _messages(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


class _RowValidator:
    """Turns one row's cells into School values, adding an error for every bad cell. What it
    needs from the database (counties, scope) is loaded once, before the first row."""

    def __init__(self, actor: User, mapping: dict[str, int], errors: list[RowError]) -> None:
        self.mapping = mapping
        self.errors = errors
        self.scope = get_scope(actor)
        self.counties = _Counties()
        self.limits = _count_limits()
        # Stored values and their labels (九年一贯制学校 → 九年一贯制), compared without spaces.
        self.choices: dict[str, tuple[dict[str, str], str]] = {}
        for name, enum in (("school_type", SchoolType), ("party_org_form", PartyOrgForm)):
            accepted = {str(label).replace(" ", ""): value for value, label in enum.choices}
            accepted.update({value: value for value in enum.values})
            self.choices[name] = (accepted, "、".join(enum.values))

    def validate(self, number: int, cells: Sequence[Any]) -> _Row:
        row = _Row(number=number, values={})
        for name, index in self.mapping.items():
            raw = cells[index] if index < len(cells) else None
            try:
                row.values[name] = self.value(name, raw)
            except ValidationError as exc:
                self.errors.append(RowError(number, HEADER_OF[name], _messages(exc)))
        return row

    def value(self, name: str, raw: Any) -> Any:
        """The cell's value for field `name`, or ValidationError saying what is wrong."""
        if name in COUNT_FIELDS:
            return self.count(name, raw)
        text = _name_text(raw) if name in TEXT_FIELDS else _text(raw)
        if name == "credit_code":
            text = text.replace(" ", "").upper()
        if not text:
            if REQUIRED[name]:
                raise ValidationError(_("必填，不能为空"))
            return ""
        if name == "county":
            return self.county(text)
        if name in self.choices:
            accepted, listed = self.choices[name]
            if text.replace(" ", "") not in accepted:
                raise ValidationError(
                    _("“%(value)s”不是可选值，应为：%(choices)s")
                    % {"value": text, "choices": listed}
                )
            return accepted[text.replace(" ", "")]
        if name == "credit_code":
            validate_credit_code(text)  # its length check says "18位", clearer than max_length
            return text
        # The model field's own checks: length, the phone pattern, and so on.
        return _model_field(name).clean(text, None)

    def count(self, name: str, raw: Any) -> int:
        try:
            value = _integer(raw)
        except ValueError:
            raise ValidationError(
                _("应填写整数，当前为“%(value)s”") % {"value": _text(raw)}
            ) from None
        if value is None:
            return 0
        if value < 0:
            raise ValidationError(_("不能为负数"))
        if name in self.limits and value > self.limits[name]:
            raise ValidationError(
                _("数值 %(value)d 不合理，不应超过 %(max)d")
                % {"value": value, "max": self.limits[name]}
            )
        return value

    def county(self, text: str) -> Region:
        county, message = self.counties.find(text)
        if county is None:
            raise ValidationError(message)
        if not self.scope.can_edit_region(county.path):
            raise ValidationError(_("无权导入该县（市、区）的学校"))
        return county


HEADER_OF = {name: header for header, name, _required in ROSTER_COLUMNS}
REQUIRED = {name: required for _header, name, required in ROSTER_COLUMNS}


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_schools(codes: Sequence[str]) -> dict[str, School]:
    found: dict[str, School] = {}
    for chunk in _chunks(sorted(codes)):
        for school in School.objects.filter(credit_code__in=chunk).select_related("county"):
            found[school.credit_code] = school
    return found


def _sorted(errors: list[RowError]) -> list[RowError]:
    order = {header: i for i, header in enumerate(ROSTER_HEADERS)}
    return sorted(errors, key=lambda e: (e.row, order.get(e.column, len(order))))


# --- the service -----------------------------------------------------------------------------


def import_roster(
    *,
    actor: User,
    data: bytes,
    filename: str,
    max_file_mb: float | None = None,
    max_rows: int | None = None,
) -> RosterImportResult:
    """Validate the whole roster; write it only if every row is right (DESIGN §3, R2)."""
    limits = import_limits(max_file_mb=max_file_mb, max_rows=max_rows)
    result = RosterImportResult()
    errors: list[RowError] = []
    try:
        mapping, data_rows = _read(data, filename, limits, errors)
        if not data_rows:  # headers unusable, or no data under them
            result.errors = _sorted(errors)
            return result
        validator = _RowValidator(actor, mapping, errors)
        parsed = []
        for number, cells in data_rows:
            parsed.append(validator.validate(number, cells))
            if number % 512 == 0 and time.monotonic() > limits.deadline:
                raise _FileError(spreadsheets.too_slow_message())
    except _FileError as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    existing = _check_credit_codes(parsed, get_scope(actor), errors)
    if errors:
        result.errors = _sorted(errors)
        return result

    new: list[School] = []
    changed: list[tuple[School, dict[str, list[Any]]]] = []
    for row in parsed:
        result.county_codes.add(row.values["county"].code)
        stored = existing.get(row.values["credit_code"])
        if stored is None:
            new.append(School(**row.values))
        elif changes := _apply(stored, row.values):
            changed.append((stored, changes))
        else:
            result.unchanged += 1
    try:
        _write(actor=actor, filename=filename, new=new, changed=changed, result=result)
    except _Conflict:
        result.errors = [
            RowError(0, "", _("导入期间有学校信息被他人修改，本次没有写入任何数据，请重新导入。"))
        ]
    except IntegrityError:
        result.errors = [
            RowError(
                0,
                "",
                _(
                    "保存失败：与已有数据冲突（可能有人同时登记了相同的统一社会信用代码），"
                    "本次没有写入任何数据，请重新导入。"
                ),
            )
        ]
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    return result


def _read(
    data: bytes, filename: str, limits: _Limits, errors: list[RowError]
) -> tuple[dict[str, int], list[Numbered]]:
    """The column mapping and the rows that are not empty; header problems go to `errors`,
    problems with the file as a whole raise _FileError."""
    with _open_sheet(data, filename, limits) as sheet:
        header_row, header_cells = _find_header(_rows(sheet))
        mapping, usable = _map_headers(header_row, header_cells, errors)
        if not usable:
            return mapping, []
        data_rows: list[Numbered] = []
        width = max(mapping.values()) + 1
        # Every row read counts, blank or not: a million blank rows are the attack.
        rows = spreadsheets.counted_rows(
            _rows(sheet, min_row=header_row + 1, max_col=width),
            first_row=header_row,
            max_rows=limits.max_rows,
            deadline=limits.deadline,
        )
        for number, cells in rows:
            if _is_empty(cells):
                continue
            data_rows.append((number, cells))
    if not data_rows:
        errors.append(RowError(header_row, "", _("表头下面没有任何学校数据。")))
    return mapping, data_rows


def _check_credit_codes(
    parsed: list[_Row], scope: Scope, errors: list[RowError]
) -> dict[str, School]:
    """The stored schools of the file's credit codes; a code twice in the file, or stored
    outside the actor's regions, is an error on its rows."""
    rows_by_code: dict[str, list[_Row]] = defaultdict(list)
    for row in parsed:
        if row.values.get("credit_code"):
            rows_by_code[row.values["credit_code"]].append(row)
    column = HEADER_OF["credit_code"]
    for same in rows_by_code.values():
        for row in same if len(same) > 1 else []:
            others = "、".join(str(o.number) for o in same if o is not row)
            errors.append(
                RowError(
                    row.number, column, _("统一社会信用代码与第 %(rows)s 行重复") % {"rows": others}
                )
            )
    existing = _existing_schools(list(rows_by_code))
    for code, school in existing.items():
        if not scope.can_edit_region(school.county.path):
            # Say no more than this: the school and its region are not the actor's to see.
            message = _("该统一社会信用代码已登记在其他地区，无权修改")
            errors.extend(RowError(row.number, column, message) for row in rows_by_code[code])
    return existing


class _Conflict(Exception):
    pass


def _apply(school: School, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the values that differ on the stored school; the changes as the audit keeps them
    (core.audit's [old, new] per field), computed only for the fields that changed."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        model_field = _model_field(name)
        new = value.pk if isinstance(value, Region) else value
        if getattr(school, model_field.attname) == new:
            continue
        before = audit.audit_value(school, model_field)
        setattr(school, name, value)
        changes[name] = [before, audit.audit_value(school, model_field)]
    return changes


def _update_changed(schools: list[School], field_names: set[str]) -> None:
    """Write the changed schools with one prepared UPDATE run over all of them (executemany):
    bulk_update's CASE expressions cost seconds at province scale. `version` is the optimistic
    lock: a row saved by someone since it was read is not matched, and the import fails."""
    connection = connections[router.db_for_write(School)]
    fields = [_model_field(name) for name in sorted(field_names)]
    updated_at = _model_field("updated_at")

    def column(name: str) -> str:
        return connection.ops.quote_name(_model_field(name).get_attname_column()[1] or name)

    sets = ", ".join(f"{column(f.name)} = %s" for f in fields)
    table = connection.ops.quote_name(School._meta.db_table)
    version = column("version")
    # Table and column names come from the School model, quoted; every value is a parameter.
    sql = (
        f"UPDATE {table} SET {sets}, {version} = {version} + 1, {column('updated_at')} = %s "  # noqa: S608
        f"WHERE {column('id')} = %s AND {version} = %s"
    )
    now = updated_at.get_db_prep_save(timezone.now(), connection)
    params = [
        [f.get_db_prep_save(getattr(s, f.attname), connection) for f in fields]
        + [now, s.pk, s.version]
        for s in schools
    ]
    matched = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(params):
            cursor.executemany(sql, chunk)
            matched += cursor.rowcount
    if matched != len(schools):
        raise _Conflict
    for school in schools:
        school.version += 1


def _write(
    *,
    actor: User,
    filename: str,
    new: list[School],
    changed: list[tuple[School, dict[str, list[Any]]]],
    result: RosterImportResult,
) -> None:
    with transaction.atomic():
        School.objects.bulk_create(new, batch_size=1000)
        if any(school.pk is None for school in new):  # backends that cannot return ids
            ids: dict[str, int] = {}
            for chunk in _chunks([s.credit_code for s in new]):
                ids.update(
                    School.objects.filter(credit_code__in=chunk).values_list("credit_code", "pk")
                )
            for school in new:
                school.pk = ids[school.credit_code]
        if changed:
            fields = {name for _school, changes in changed for name in changes}
            _update_changed([school for school, _changes in changed], fields)
        items: list[tuple[School, dict[str, Any]]] = [
            (school, audit.diff({}, audit.snapshot(school))) for school in new
        ]
        items.extend(changed)
        audit.record_many(actor=actor, action=AuditAction.IMPORT, items=items)
        # Thousands of new or changed schools: fresh statistics once committed (issue 15 item 5).
        statistics.analyze([School, AuditEvent])
        result.created, result.updated = len(new), len(changed)
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type=School._meta.label_lower,
            object_repr=_("学校花名册导入：新增 %(created)d 所，更新 %(updated)d 所")
            % {"created": result.created, "updated": result.updated},
            changes={
                "file": [None, filename],
                "created": [None, result.created],
                "updated": [None, result.updated],
                "unchanged": [None, result.unchanged],
            },
        )


# --- the template ----------------------------------------------------------------------------


def _guide() -> dict[str, tuple[str, str]]:
    """Field → (what to fill in, example), for the guide sheet and the header comments."""
    types = "、".join(SchoolType.values)
    forms = "、".join(PartyOrgForm.values)
    return {
        "name": (_("学校全称，与公章一致，最多 100 个字。"), _("萍乡市湘东区第一小学")),
        "credit_code": (
            _(
                "18 位统一社会信用代码（见事业单位法人证书或民办学校办学许可证），字母大写。"
                "它是学校的唯一标识：已登记的代码再次导入时更新该校信息，不会重复新增。"
            ),
            make_credit_code("12", "360313", 123456789),
        ),
        "county": (
            _(
                "学校所属的县（市、区）：可填县区名称、带设区市的全称（如“萍乡市湘东区”）或六位"
                "区划代码，见“县区代码”工作表；只能填写您有权维护的县区。县区名称在多个设区市"
                "重名时，请填写全称。"
            ),
            _("萍乡市湘东区"),
        ),
        "school_type": (_("从下拉列表中选择：%(choices)s。") % {"choices": types}, _("小学")),
        "party_org_form": (_("从下拉列表中选择：%(choices)s。") % {"choices": forms}, _("党支部")),
        "secretary": (_("学校党组织书记姓名，最多 50 个字。"), _("张三")),
        "principal": (_("校长姓名，最多 50 个字。"), _("李四")),
        "contact_phone": (_("联系电话，7–20 位，可含区号、空格和 +-()。"), "0799-1234567"),
        "student_count": (_("在校学生人数，整数；留空按 0 计。"), "1200"),
        "teacher_count": (_("教职工人数，整数；留空按 0 计。"), "80"),
    }


def _general_notes() -> list[str]:
    policy = get_policy().imports
    return [
        _(
            "1. 在“学校花名册”工作表中从第 2 行起每行填写一所学校；不要修改第 1 行的列名，"
            "列的顺序可以调整，选填列可以删除。"
        ),
        _("2. 列名带 * 的红色列为必填列。"),
        _(
            "3. 统一社会信用代码是学校的唯一标识：已登记的学校再次导入时按文件内容更新，不会重复"
            "新增。文件中没有的选填列不改动已有数据；选填列中留空的单元格会清空该项。"
        ),
        _(
            "4. 导入时系统检查每一行，只要有一处错误，整个文件都不会写入；请按页面上的错误列表"
            "（行号、列、问题）逐一修改后重新导入。"
        ),
        _("5. 全角数字、字母和空格会自动转换为半角；数字存成文本也可以。"),
        _("6. 文件须为 .xlsx 格式，大小不超过 %(mb)s MB，最多 %(rows)s 行。")
        % {"mb": f"{policy.max_file_mb:g}", "rows": policy.max_rows},
    ]


def _editable_counties(actor: User) -> list[Region]:
    return list(editable_counties(actor))


def build_template(actor: User) -> Workbook:
    """The import template: headers, drop-downs, a guide and the counties the actor may fill."""
    guide_text = _guide()
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new Workbook always has one sheet
        raise RuntimeError("openpyxl made a workbook without a sheet")
    sheet.title = ROSTER_SHEET
    required_font = Font(bold=True, color="C00000")
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="F2F2F2")
    widths = {"name": 32, "credit_code": 24, "county": 20}
    for index, (header, name, required) in enumerate(ROSTER_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header + (REQUIRED_MARK if required else ""))
        cell.font = required_font if required else bold
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        kind = _("必填。") if required else _("选填。")
        cell.comment = Comment(kind + guide_text[name][0], "HandInHand", width=300, height=120)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(name, 14)
        if name in ("credit_code", "contact_phone"):
            # Text, so that Excel neither rounds long digit strings nor drops leading zeros.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"

    letters = {name: get_column_letter(i) for i, (_h, name, _r) in enumerate(ROSTER_COLUMNS, 1)}
    for name, choices in (("school_type", SchoolType), ("party_org_form", PartyOrgForm)):
        validation = DataValidation(
            type="list",
            formula1='"{}"'.format(",".join(choices.values)),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("输入有误"),
            error=_("请从下拉列表中选择：%(choices)s") % {"choices": "、".join(choices.values)},
        )
        validation.add(f"{letters[name]}2:{letters[name]}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)

    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.append([_("学校花名册导入说明")])
    guide["A1"].font = Font(bold=True, size=14)
    for note in _general_notes():
        guide.append([note])
        guide.merge_cells(
            start_row=guide.max_row, start_column=1, end_row=guide.max_row, end_column=4
        )
    guide.append([])
    guide.append([_("列名"), _("是否必填"), _("填写要求"), _("示例")])
    for cell in guide[guide.max_row]:
        cell.font = bold
        cell.fill = header_fill
    for header, name, required in ROSTER_COLUMNS:
        text, example = guide_text[name]
        guide.append([header, _("必填") if required else _("选填"), text, example])
        if required:
            guide.cell(row=guide.max_row, column=1).font = required_font
    for letter, width in zip("ABCD", (20, 10, 80, 24), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    counties = _editable_counties(actor)
    county_sheet = workbook.create_sheet(COUNTY_SHEET)
    county_sheet.append(
        [_("县（市、区）"), _("设区市"), _("区划代码"), _("全称（可直接填入花名册）")]
    )
    for cell in county_sheet[1]:
        cell.font = bold
    for county in counties:
        city = county.parent.name if county.parent else ""
        county_sheet.append([county.name, city, county.code, f"{city}{county.name}"])
    for letter, width in zip("ABCD", (16, 14, 12, 26), strict=True):
        county_sheet.column_dimensions[letter].width = width
    county_sheet.freeze_panes = "A2"
    if counties:
        # A drop-down of the full names as a suggestion only: codes and short names work too.
        validation = DataValidation(
            type="list",
            formula1=f"'{COUNTY_SHEET}'!$D$2:$D${len(counties) + 1}",
            allow_blank=True,
            showErrorMessage=False,
        )
        validation.add(f"{letters['county']}2:{letters['county']}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)
    return workbook
