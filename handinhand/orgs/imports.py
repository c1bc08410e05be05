"""School roster (花名册) import from .xlsx: the column contract shared by the template, the
import and the benchmarks."""

from __future__ import annotations

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
