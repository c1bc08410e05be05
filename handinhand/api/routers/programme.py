"""Batches, guidance groups, memberships, pairings, districts and coverage: the same reads
(visible_to / programme.selectors) and writes (programme.services) as the pages."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from ninja import Router
from ninja.params.functions import Query  # what `ninja.Query` calls; not its typing alias

from handinhand.accounts.models import User
from handinhand.api.auth import ApiRequest
from handinhand.api.listing import IdPath, id_query, order, ordering_query, ordering_type, paginated
from handinhand.api.schemas import (
    BatchCoverageOut,
    BatchOut,
    DistrictAssignIn,
    DistrictAssignOut,
    DistrictDetailOut,
    DistrictOut,
    ErrorOut,
    GroupDetailOut,
    GroupOut,
    MembershipOut,
    PairingOut,
    ValidationErrorOut,
)
from handinhand.core.views_helpers import access
from handinhand.orgs.models import School
from handinhand.programme import selectors, services
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    District,
    GroupLevel,
    MemberRole,
    Membership,
    Pairing,
)

router = Router(tags=["指导体系"])

BATCH_ORDERING = {"number": "number", "start_year": "start_year", "name": "name"}
GROUP_ORDERING = {
    "name": "name",
    "level": "level",
    "region": "region_id",
    "batch": "batch__number",
    "member_count": "member_count",
}
if TYPE_CHECKING:
    BatchOrdering = list[str]
else:
    BatchOrdering = ordering_type(BATCH_ORDERING)
if TYPE_CHECKING:
    GroupOrdering = list[str]
else:
    GroupOrdering = ordering_type(GROUP_ORDERING)
MEMBERSHIP_ORDERING = {
    "group": "group_id",
    "role": "role",
    "full_name": "user__full_name",
    "term_start": "term_start",
}
if TYPE_CHECKING:
    MembershipOrdering = list[str]
else:
    MembershipOrdering = ordering_type(MEMBERSHIP_ORDERING)
PAIRING_ORDERING = {
    "batch": "batch__number",
    "region": "region_id",
    "group": "group_id",
    "since": "since",
}
if TYPE_CHECKING:
    PairingOrdering = list[str]
else:
    PairingOrdering = ordering_type(PAIRING_ORDERING)
DISTRICT_ORDERING = {
    "name": "name",
    "group": "group_id",
    "batch": "batch__number",
    "school_count": "school_count",
}
if TYPE_CHECKING:
    DistrictOrdering = list[str]
else:
    DistrictOrdering = ordering_type(DISTRICT_ORDERING)


# --- batches --------------------------------------------------------------------------------


@router.get("/batches", response=list[BatchOut], summary="批次列表")
@paginated
def batch_list(
    request: ApiRequest,
    status: BatchStatus | None = None,
    ordering: BatchOrdering | None = ordering_query(BATCH_ORDERING),  # noqa: B008,
) -> Any:
    qs = Batch.objects.visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    return order(qs, ordering, BATCH_ORDERING, "number")


# --- guidance groups ------------------------------------------------------------------------


@router.get("/groups", response=list[GroupOut], summary="党建指导组列表")
@paginated
def group_list(
    request: ApiRequest,
    level: GroupLevel | None = None,
    batch: int | None = id_query("批次编号"),
    region: str | None = Query(None, description="所属行政区划代码"),
    is_active: bool | None = None,
    q: str | None = Query(None, description="按名称搜索"),
    ordering: GroupOrdering | None = ordering_query(GROUP_ORDERING),  # noqa: B008,
) -> Any:
    qs = selectors.groups_for_list(request.auth)
    if level:
        qs = qs.filter(level=level)
    if batch:
        qs = qs.filter(batch_id=batch)
    if region:
        qs = qs.filter(region_id=region)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(name__icontains=q)
    return order(qs, ordering, GROUP_ORDERING, "batch,level,region,name")


@router.get(
    "/groups/{int:group_id}",
    response={200: GroupDetailOut, 404: ErrorOut},
    summary="党建指导组详情（含成员、结对与片区）",
)
def group_detail(request: ApiRequest, group_id: IdPath) -> Any:
    return selectors.group_detail(request.auth, group_id)


# --- memberships and pairings ---------------------------------------------------------------


@router.get("/memberships", response=list[MembershipOut], summary="指导组成员列表")
@paginated
def membership_list(
    request: ApiRequest,
    group: int | None = id_query("指导组编号"),
    role: MemberRole | None = None,
    is_active: bool | None = None,
    q: str | None = Query(None, description="按姓名搜索"),
    ordering: MembershipOrdering | None = ordering_query(MEMBERSHIP_ORDERING),  # noqa: B008,
) -> Any:
    qs = Membership.objects.visible_to(request.auth).select_related("group", "user")
    if group:
        qs = qs.filter(group_id=group)
    if role:
        qs = qs.filter(role=role)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(user__full_name__icontains=q)
    return order(qs, ordering, MEMBERSHIP_ORDERING, "group,role,full_name")


@router.get("/pairings", response=list[PairingOut], summary="结对关系列表")
@paginated
def pairing_list(
    request: ApiRequest,
    batch: int | None = id_query("批次编号"),
    group: int | None = id_query("指导组编号"),
    region: str | None = Query(None, description="结对地区代码"),
    ordering: PairingOrdering | None = ordering_query(PAIRING_ORDERING),  # noqa: B008,
) -> Any:
    qs = Pairing.objects.visible_to(request.auth).select_related("group", "region")
    if batch:
        qs = qs.filter(batch_id=batch)
    if group:
        qs = qs.filter(group_id=group)
    if region:
        qs = qs.filter(region_id=region)
    return order(qs, ordering, PAIRING_ORDERING, "batch,region")


# --- districts ------------------------------------------------------------------------------


def _districts(user: User) -> QuerySet[District]:
    return (
        District.objects.visible_to(user)
        .select_related("group")
        .annotate(school_count=Count("assignments", distinct=True))
        .prefetch_related("instructors")
    )


@router.get("/districts", response=list[DistrictOut], summary="片区列表")
@paginated
def district_list(
    request: ApiRequest,
    group: int | None = id_query("指导组编号"),
    batch: int | None = id_query("批次编号"),
    q: str | None = Query(None, description="按片区名称搜索"),
    ordering: DistrictOrdering | None = ordering_query(DISTRICT_ORDERING),  # noqa: B008,
) -> Any:
    qs = _districts(request.auth)
    if group:
        qs = qs.filter(group_id=group)
    if batch:
        qs = qs.filter(batch_id=batch)
    if q:
        qs = qs.filter(name__icontains=q)
    return order(qs, ordering, DISTRICT_ORDERING, "group,name")


def _district_out(user: User, pk: int) -> District:
    district = access(_districts(user), pk=pk)
    # The district's schools, but only those the caller may see: ids reveal existence.
    school_ids = list(
        district.assignments.filter(school__in=School.objects.visible_to(user))
        .order_by("school_id")
        .values_list("school_id", flat=True)
    )
    setattr(district, "school_ids", school_ids)  # noqa: B010
    return district


@router.get(
    "/districts/{int:district_id}",
    response={200: DistrictDetailOut, 404: ErrorOut},
    summary="片区详情（含学校编号）",
)
def district_detail(request: ApiRequest, district_id: IdPath) -> Any:
    return _district_out(request.auth, district_id)


@router.post(
    "/districts/{int:district_id}/schools",
    response={200: DistrictAssignOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="将学校划入片区",
)
def district_assign(request: ApiRequest, district_id: IdPath, payload: DistrictAssignIn) -> Any:
    user = request.auth
    district = access(
        District.objects.visible_to(user).select_related("group__region", "batch"),
        pk=district_id,
    )
    wanted = list(dict.fromkeys(payload.school_ids))
    schools = list(School.objects.visible_to(user).filter(pk__in=wanted))
    unknown = sorted(set(wanted) - {s.pk for s in schools})
    if unknown:
        raise ValidationError(
            {
                "school_ids": [
                    _("以下学校不存在或不在您的数据范围内：%(ids)s")
                    % {"ids": "、".join(str(pk) for pk in unknown)}
                ]
            }
        )
    added = services.district_assign_schools(actor=user, district=district, schools=schools)
    out = _district_out(user, district.pk)
    return {"added": added, "school_ids": getattr(out, "school_ids")}  # noqa: B009


# --- coverage -------------------------------------------------------------------------------


@router.get(
    "/coverage", response=list[BatchCoverageOut], summary="覆盖情况（按批次、设区市、县区统计）"
)
def coverage(request: ApiRequest) -> Any:
    return selectors.coverage(request.auth)
