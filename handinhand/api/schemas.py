"""Shapes of the API's requests and answers. Field names follow the models; choice fields carry
their stored value and, as `*_display`, the Chinese label the pages show."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema

from handinhand.api.listing import MAX_ID
from handinhand.orgs.models import PartyOrgForm, School, SchoolType

# --- common ---------------------------------------------------------------------------------

# Numbers sent in a body that the database compares with its 64-bit columns: beyond 2^63 - 1
# SQLite raised OverflowError (a 500); bounded here they are a 422.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=0, le=MAX_ID)]
# Counts keep their own checks (the service's messages); only the integer's size is bound.
Count = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        ..., description="每个字段的错误信息；与字段无关的错误在 __all__ 中"
    )


# --- organisations --------------------------------------------------------------------------


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_display: str = Field(..., alias="get_level_display")
    parent_code: str | None = Field(None, alias="parent_id")


class RegionRef(Schema):
    code: str
    name: str


class RegionDetailOut(RegionOut):
    full_name: str
    parent: RegionRef | None = None
    children: list[RegionRef]

    @staticmethod
    def resolve_children(obj: Any) -> list[Any]:
        # Only the children in the caller's scope, set by the view; never the whole relation.
        return list(obj.visible_children)


class RecognitionOut(Schema):
    id: int
    kind: str
    kind_display: str = Field(..., alias="get_kind_display")
    unit_name: str
    year: int


class UniversityOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    city_code: str = Field(..., alias="city_id")
    city_name: str = Field(..., alias="city.name")
    party_secretary: str
    contact: str
    phone: str
    version: int


class GroupRef(Schema):
    id: int
    name: str
    level: str


class UniversityDetailOut(UniversityOut):
    recognitions: list[RecognitionOut]
    groups: list[GroupRef]


class SchoolOut(Schema):
    id: int
    name: str
    credit_code: str
    county_code: str = Field(..., alias="county_id")
    county_name: str = Field(..., alias="county.name")
    city_code: str | None = None
    city_name: str | None = None
    school_type: str
    party_org_form: str
    secretary: str
    principal: str
    contact_phone: str
    student_count: int
    teacher_count: int
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_city_code(obj: School) -> str | None:
        return obj.county.parent_id

    @staticmethod
    def resolve_city_name(obj: Any) -> str | None:
        return obj.county.parent.name if obj.county.parent_id else None


class SchoolDistrictOut(Schema):
    district_id: int
    district_name: str = Field(..., alias="district.name")
    group_id: int = Field(..., alias="district.group_id")
    group_name: str = Field(..., alias="district.group.name")
    batch_id: int


class SchoolPairingOut(Schema):
    id: int
    group_id: int
    group_name: str = Field(..., alias="group.name")
    region_code: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.name")
    batch_id: int


class SchoolDetailOut(SchoolOut):
    districts: list[SchoolDistrictOut]
    pairings: list[SchoolPairingOut]


class SchoolIn(Schema):
    """A new school. `county` is the six-digit code of a county-level region."""

    name: str = Field(..., max_length=100, description="学校名称")
    credit_code: str = Field(..., max_length=40, description="统一社会信用代码（18位）")
    county: str = Field(..., max_length=6, description="所属县（市、区）的区划代码")
    school_type: SchoolType = Field(..., description="学校类型")
    party_org_form: PartyOrgForm = Field(..., description="党组织形式")
    secretary: str = Field("", max_length=50, description="党组织书记")
    principal: str = Field("", max_length=50, description="校长")
    contact_phone: str = Field("", max_length=20, description="联系电话")
    student_count: Count = Field(0, description="学生数")
    teacher_count: Count = Field(0, description="教职工数")


class SchoolPatch(Schema):
    """Changes to a school: only the fields sent are changed. `version` is the version read
    before editing; if someone saved the school since, the answer is 409."""

    version: Version = Field(..., description="读取时的版本号（乐观锁）")
    name: str | None = Field(None, max_length=100)
    credit_code: str | None = Field(None, max_length=40)
    county: str | None = Field(None, max_length=6)
    school_type: SchoolType | None = None
    party_org_form: PartyOrgForm | None = None
    secretary: str | None = Field(None, max_length=50)
    principal: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=20)
    student_count: Count | None = None
    teacher_count: Count | None = None


# --- programme ------------------------------------------------------------------------------


class BatchOut(Schema):
    id: int
    number: int
    name: str
    start_year: int
    status: str
    status_display: str = Field(..., alias="get_status_display")
    description: str


class GroupOut(Schema):
    id: int
    name: str
    level: str
    level_display: str = Field(..., alias="get_level_display")
    region_code: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.name")
    lead_university_id: int | None
    lead_university_name: str | None = None
    batch_id: int
    is_active: bool
    note: str
    member_count: int
    version: int

    @staticmethod
    def resolve_lead_university_name(obj: Any) -> str | None:
        return obj.lead_university.name if obj.lead_university_id else None

    @staticmethod
    def resolve_member_count(obj: Any) -> int:
        # Annotated on lists; on the detail the members are prefetched already.
        count = getattr(obj, "member_count", None)
        return count if count is not None else len(obj.memberships.all())


class MembershipOut(Schema):
    id: int
    group_id: int
    group_name: str = Field(..., alias="group.name")
    user_id: int
    full_name: str = Field(..., alias="user.full_name")
    role: str
    subgroup: str
    term_start: dt.date
    term_end: dt.date | None
    is_active: bool
    version: int


class GroupMemberOut(Schema):
    id: int
    user_id: int
    full_name: str = Field(..., alias="user.full_name")
    role: str
    subgroup: str
    term_start: dt.date
    term_end: dt.date | None
    is_active: bool


class PairingOut(Schema):
    id: int
    batch_id: int
    group_id: int
    group_name: str = Field(..., alias="group.name")
    region_code: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.name")
    since: dt.date
    note: str
    version: int


class GroupPairingOut(Schema):
    id: int
    batch_id: int
    region_code: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.name")
    since: dt.date


class GroupDistrictOut(Schema):
    id: int
    name: str
    school_count: int
    instructor_ids: list[int] = Field(..., description="片区指导员的成员记录编号")

    @staticmethod
    def resolve_instructor_ids(obj: Any) -> list[int]:
        return [m.pk for m in obj.instructors.all()]


class GroupDetailOut(GroupOut):
    members: list[GroupMemberOut]
    pairings: list[GroupPairingOut]
    districts: list[GroupDistrictOut]

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return list(obj.memberships.all())

    @staticmethod
    def resolve_pairings(obj: Any) -> list[Any]:
        return list(obj.pairings.all())

    @staticmethod
    def resolve_districts(obj: Any) -> list[Any]:
        return list(obj.districts.all())


class DistrictOut(Schema):
    id: int
    name: str
    group_id: int
    group_name: str = Field(..., alias="group.name")
    batch_id: int
    note: str
    school_count: int = Field(..., description="片区内学校总数")
    instructor_ids: list[int] = Field(..., description="片区指导员的成员记录编号")
    version: int

    @staticmethod
    def resolve_instructor_ids(obj: Any) -> list[int]:
        return [m.pk for m in obj.instructors.all()]


class DistrictDetailOut(DistrictOut):
    school_ids: list[int] = Field(..., description="片区内、且在本人数据范围内的学校编号")


class DistrictAssignIn(Schema):
    school_ids: list[Id] = Field(
        ..., min_length=1, max_length=2000, description="要划入片区的学校编号"
    )


class DistrictAssignOut(Schema):
    added: int = Field(..., description="新划入的学校数")
    school_ids: list[int]


class CoverageRowOut(Schema):
    region_code: str | None
    label: str
    level: str
    schools: int
    paired: int
    districted: int
    paired_pct: float
    districted_pct: float
    children: list[CoverageRowOut] = []

    @staticmethod
    def resolve_region_code(obj: Any) -> str | None:
        return obj.region.code if obj.region is not None else None


class BatchCoverageOut(Schema):
    batch_id: int | None = Field(None, description="为空表示各批次累计")
    batch_name: str
    total: CoverageRowOut
    cities: list[CoverageRowOut]
    cities_total: int = Field(0, description="范围内设区市数（不论学校是否已录入名册）")
    cities_paired: int = Field(0, description="已结对（本市或所辖县区结对）的设区市数")
    remaining_city_codes: list[str] = Field(
        default_factory=list, description="尚未结对的设区市区划代码"
    )

    @staticmethod
    def resolve_remaining_city_codes(obj: Any) -> list[str]:
        return [c.code for c in obj.remaining_cities]

    @staticmethod
    def resolve_batch_id(obj: Any) -> int | None:
        return obj.batch.pk if obj.batch is not None else None

    @staticmethod
    def resolve_batch_name(obj: Any) -> str:
        return obj.batch.name if obj.batch is not None else _("累计")
