"""Regions, universities and schools: the same reads (visible_to / selectors) and writes
(orgs.services) as the pages."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.params.functions import Query  # what `ninja.Query` calls; not its typing alias

from handinhand.accounts.models import User
from handinhand.api.auth import ApiRequest
from handinhand.api.listing import IdPath, order, ordering_query, ordering_type, paginated
from handinhand.api.schemas import (
    ErrorOut,
    RegionDetailOut,
    RegionOut,
    SchoolDetailOut,
    SchoolIn,
    SchoolOut,
    SchoolPatch,
    UniversityDetailOut,
    UniversityOut,
    ValidationErrorOut,
)
from handinhand.core.text import normalise_text
from handinhand.core.views_helpers import access
from handinhand.orgs import selectors, services
from handinhand.orgs.models import Region, RegionLevel, School, University
from handinhand.programme.models import GuidanceGroup
from handinhand.programme.selectors import school_programme

router = Router(tags=["组织机构"])

REGION_ORDERING = {"code": "code", "name": "name", "level": "level"}
UNIVERSITY_ORDERING = {"code": "code", "name": "name", "city": "city_id"}
SCHOOL_ORDERING = {
    "id": "pk",
    "name": "name",
    "credit_code": "credit_code",
    "county": "county_id",
    "city": "county__parent_id",
    "school_type": "school_type",
    "party_org_form": "party_org_form",
    "student_count": "student_count",
    "teacher_count": "teacher_count",
    "updated_at": "updated_at",
}
if TYPE_CHECKING:
    UniversityOrdering = list[str]
else:
    UniversityOrdering = ordering_type(UNIVERSITY_ORDERING)
if TYPE_CHECKING:
    RegionOrdering = list[str]
else:
    RegionOrdering = ordering_type(REGION_ORDERING)
if TYPE_CHECKING:
    SchoolOrdering = list[str]
else:
    SchoolOrdering = ordering_type(SCHOOL_ORDERING)
WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


# --- regions --------------------------------------------------------------------------------


@router.get("/regions", response=list[RegionOut], summary="行政区划列表")
@paginated
def region_list(
    request: ApiRequest,
    level: RegionLevel | None = None,
    parent: str | None = Query(None, description="上级区划代码"),
    q: str | None = Query(None, description="按名称或代码搜索"),
    ordering: RegionOrdering | None = ordering_query(REGION_ORDERING),  # noqa: B008,
) -> Any:
    qs = Region.objects.visible_to(request.auth)
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return order(qs, ordering, REGION_ORDERING, "code")


@router.get(
    "/regions/{code}", response={200: RegionDetailOut, 404: ErrorOut}, summary="行政区划详情"
)
def region_detail(request: ApiRequest, code: str) -> Any:
    user = request.auth
    region = access(Region.objects.visible_to(user).select_related("parent"), pk=code)
    # Answers are read off the instance: the scoped extras ride along as attributes.
    children = list(Region.objects.visible_to(user).filter(parent=region))
    setattr(region, "visible_children", children)  # noqa: B010
    return region


# --- universities ---------------------------------------------------------------------------


@router.get("/universities", response=list[UniversityOut], summary="高校列表")
@paginated
def university_list(
    request: ApiRequest,
    city: str | None = Query(None, description="所在城市的区划代码"),
    q: str | None = Query(None, description="按名称、简称或标识码搜索"),
    ordering: UniversityOrdering | None = ordering_query(UNIVERSITY_ORDERING),  # noqa: B008,
) -> Any:
    qs = University.objects.visible_to(request.auth).select_related("city")
    if city:
        qs = qs.filter(city_id=city)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code=q))
    return order(qs, ordering, UNIVERSITY_ORDERING, "code")


@router.get(
    "/universities/{int:university_id}",
    response={200: UniversityDetailOut, 404: ErrorOut},
    summary="高校详情",
)
def university_detail(request: ApiRequest, university_id: IdPath) -> Any:
    user = request.auth
    university = access(
        University.objects.visible_to(user).select_related("city"), pk=university_id
    )
    groups = list(GuidanceGroup.objects.visible_to(user).filter(lead_university=university))
    setattr(university, "groups", groups)  # noqa: B010
    return university


# --- schools --------------------------------------------------------------------------------


@router.get("/schools", response=list[SchoolOut], summary="中小学校列表")
@paginated
def school_list(
    request: ApiRequest,
    city: str | None = Query(None, description="设区市的区划代码"),
    county: str | None = Query(None, description="县（市、区）的区划代码"),
    school_type: str | None = Query(None, description="学校类型"),
    party_org_form: str | None = Query(None, description="党组织形式"),
    q: str | None = Query(None, description="按学校名称、信用代码、书记搜索"),
    ordering: SchoolOrdering | None = ordering_query(SCHOOL_ORDERING),  # noqa: B008,
) -> Any:
    qs = selectors.schools_for_list(request.auth)
    if city:
        qs = qs.filter(county__parent_id=city)
    if county:
        qs = qs.filter(county_id=county)
    if school_type:
        qs = qs.filter(school_type=school_type)
    if party_org_form:
        qs = qs.filter(party_org_form=party_org_form)
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(secretary__icontains=q)
        )
    return order(qs, ordering, SCHOOL_ORDERING, "county,name")


def _school_out(user: User, pk: int) -> School:
    school = access(selectors.school_detail_qs(user), pk=pk)
    programme = school_programme(user, school)
    setattr(school, "districts", programme["district_links"])  # noqa: B010
    setattr(school, "pairings", programme["pairings"])  # noqa: B010
    return school


@router.get(
    "/schools/{int:school_id}",
    response={200: SchoolDetailOut, 404: ErrorOut},
    summary="学校详情（含所在片区与结对指导组）",
)
def school_detail(request: ApiRequest, school_id: IdPath) -> Any:
    return _school_out(request.auth, school_id)


def _county(user: User, code: str) -> Region:
    """A county the user can see; others are refused as the page's choice list does."""
    county = Region.objects.visible_to(user).filter(level=RegionLevel.COUNTY, pk=code).first()
    if county is None:
        raise ValidationError({"county": [_("请选择有效的县（市、区）")]})
    return county


def _clean(user: User, data: dict[str, Any]) -> dict[str, Any]:
    if "county" in data:
        data["county"] = _county(user, data["county"] or "")
    if data.get("credit_code"):
        # As the page's form does: full-width characters and lower case are typed often.
        data["credit_code"] = normalise_text(data["credit_code"]).upper()
    return data


@router.post("/schools", response={201: SchoolDetailOut, **WRITE_ERRORS}, summary="新增学校")
def school_create(request: ApiRequest, payload: SchoolIn) -> Any:
    user = request.auth
    data = _clean(user, payload.model_dump(mode="json"))
    school = services.school_create(actor=user, **data)
    return Status(201, _school_out(user, school.pk))


@router.patch(
    "/schools/{int:school_id}",
    response={200: SchoolDetailOut, **WRITE_ERRORS},
    summary="修改学校（需提供 version）",
)
def school_update(request: ApiRequest, school_id: IdPath, payload: SchoolPatch) -> Any:
    user = request.auth
    school = access(selectors.school_detail_qs(user), pk=school_id)
    data = payload.model_dump(mode="json", exclude_unset=True)
    version = data.pop("version")
    data = _clean(user, data)
    services.school_update(actor=user, school=school, data=data, expected_version=version)
    return _school_out(user, school.pk)
