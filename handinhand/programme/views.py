"""Pages of the programme's structure: batches, guidance groups, memberships, pairings,
districts and the coverage of the province. Reads through selectors, writes through services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.exports import xlsx_response
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.models import AuditAction
from handinhand.core.views_helpers import access, form_page, require, require_business
from handinhand.orgs.models import Region, School
from handinhand.programme import selection, selectors, services
from handinhand.programme.access import (
    can_create_group,
    can_manage_group,
    can_restructure_group,
    is_province_admin,
)
from handinhand.programme.forms import (
    BatchFilterForm,
    BatchForm,
    DistrictFilterForm,
    DistrictForm,
    GroupFilterForm,
    GroupForm,
    MembershipEndForm,
    MembershipFilterForm,
    MembershipForm,
    PairingFilterForm,
    PairingForm,
)
from handinhand.programme.models import (
    Batch,
    District,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
    SelectionRound,
)

CANDIDATE_LIMIT = 50
DISTRICT_SCHOOLS_PER_PAGE = 20


@dataclass(frozen=True)
class ComputedColumn(Column):
    """A column whose value is computed from the row (joined names, yes/no words)."""

    compute: Callable[[Any], Any] | None = None

    def value(self, obj: Any) -> Any:
        if self.compute is None:
            raise TypeError("a computed column needs compute=")
        return self.compute(obj)


def _without_version(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "expected_version"}


# --- batches --------------------------------------------------------------------------------

BATCH_LIST = ListSpec(
    title=_lazy("批次"),
    queryset=selectors.batches_for_list,
    columns=[
        Column("number", _lazy("批次序号"), sort="number", link=True),
        Column("name", _lazy("批次名称"), sort="name"),
        Column("start_year", _lazy("启动年度"), sort="start_year"),
        Column("status", _lazy("状态"), sort="status"),
        Column("group_count", _lazy("指导组数"), sort="group_count"),
        Column("pairing_count", _lazy("结对数"), sort="pairing_count"),
    ],
    search_fields=["name"],
    default_sort="number",
    filter_form=BatchFilterForm,
    detail_url="programme:batch_detail",
    create_url="programme:batch_create",
    can_create=is_province_admin,
    export_name="programme.batch",
)


@login_required
def batch_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, BATCH_LIST)


@login_required
def batch_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = access(Batch.objects.visible_to(request.user), pk=pk)
    figures = next(
        (
            c
            for c in selectors.coverage(request.user, drill=True)
            if c.batch is not None and c.batch.pk == batch.pk
        ),
        None,
    )
    return render(
        request,
        "programme/batch_detail.html",
        {
            "batch": batch,
            "groups": selectors.groups_for_list(request.user)
            .filter(batch=batch)
            .order_by(selectors.LEVEL_ORDER, "region_id", "name"),
            "pairings": selectors.pairings_for_list(request.user).filter(batch=batch),
            "coverage": figures,
            "can_edit": is_province_admin(request.user),
            "targets": batch.target_regions.order_by("code"),
            "lead_universities": batch.lead_universities.order_by("code"),
            "rounds": SelectionRound.objects.visible_to(request.user).filter(batch=batch),
        },
    )


@login_required
def batch_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(is_province_admin(request.user))
    form = BatchForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("新增批次"),
        success_message=_("批次已新增"),
        back_url=reverse("programme:batch_list"),
        save=lambda data: services.batch_create(actor=request.user, **_without_version(data)),
        redirect_to=lambda obj: reverse("programme:batch_detail", args=[obj.pk]),
    )


@login_required
def batch_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = access(Batch.objects.visible_to(request.user), pk=pk)
    require(is_province_admin(request.user))
    form = BatchForm(request.POST or None, instance=batch)

    return form_page(
        request,
        form=form,
        title=_("编辑批次：%(name)s") % {"name": batch.name},
        success_message=_("批次已保存"),
        back_url=reverse("programme:batch_detail", args=[batch.pk]),
        update=lambda data, version: services.batch_update(
            actor=request.user, batch=batch, data=data, expected_version=version
        ),
        redirect_to=lambda obj: reverse("programme:batch_detail", args=[obj.pk]),
    )


# --- guidance groups ------------------------------------------------------------------------

GROUP_LIST = ListSpec(
    title=_lazy("党建指导组"),
    queryset=selectors.groups_for_list,
    columns=[
        Column("name", _lazy("指导组名称"), sort="name", link=True),
        Column("batch.name", _lazy("批次"), sort="batch__number"),
        Column("level", _lazy("层级"), sort="level"),
        Column("region.name", _lazy("所属行政区划"), sort="region_id"),
        Column("lead_university.name", _lazy("牵头高校"), sort="lead_university__code"),
        Column("member_count", _lazy("在任成员"), sort="member_count"),
        Column("pairing_count", _lazy("结对地区"), sort="pairing_count"),
        Column("district_count", _lazy("片区"), sort="district_count"),
        ComputedColumn(
            "is_active",
            _lazy("状态"),
            sort="is_active",
            compute=lambda g: _("在运行") if g.is_active else _("已撤销"),
        ),
        Column("note", _lazy("备注"), export_only=True),
    ],
    search_fields=["name", "lead_university__name", "lead_university__short_name", "region__name"],
    default_sort="batch__number",
    filter_form=GroupFilterForm,
    detail_url="programme:group_detail",
    create_url="programme:group_create",
    can_create=services.can_create_group,
    export_name="programme.group",
)


@login_required
def group_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, GROUP_LIST)


ROLE_RANK = {role: i for i, role in enumerate(MemberRole.values)}


@login_required
def group_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_detail(request.user, pk)
    members = list(group.memberships.all())
    active = [m for m in members if m.is_active]
    staffing = selectors.staffing(group, active)
    return render(
        request,
        "programme/group_detail.html",
        {
            "group": group,
            "active_members": active,
            "past_members": [m for m in members if not m.is_active],
            "staffing": staffing,
            "pairings": list(group.pairings.all()),
            "districts": sorted(group.districts.all(), key=lambda d: d.name),
            "can_manage": can_manage_group(request.user, group),
            "is_province_admin": is_province_admin(request.user),
            # The province and the group's managers see why its lead university needs a look.
            "lead_warnings": selection.lead_warnings(group)
            if can_manage_group(request.user, group)
            else [],
        },
    )


def _group_form_kwargs(
    request: AuthenticatedHttpRequest, group: GuidanceGroup | None
) -> dict[str, Any]:
    restructure = group is None or can_restructure_group(request.user, group)
    return {"user": request.user, "restructure": restructure}


@login_required
def group_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_create_group(request.user))
    form = GroupForm(request.POST or None, **_group_form_kwargs(request, None))
    return form_page(
        request,
        form=form,
        title=_("新增党建指导组"),
        success_message=_("指导组已新增"),
        back_url=reverse("programme:group_list"),
        save=lambda data: services.group_create(actor=request.user, **_without_version(data)),
        redirect_to=lambda obj: reverse("programme:group_detail", args=[obj.pk]),
    )


@login_required
def group_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = access(GuidanceGroup.objects.visible_to(request.user).select_related("region"), pk=pk)
    require(can_manage_group(request.user, group))
    form = GroupForm(request.POST or None, instance=group, **_group_form_kwargs(request, group))

    return form_page(
        request,
        form=form,
        title=_("编辑指导组：%(name)s") % {"name": group.name},
        success_message=_("指导组已保存"),
        back_url=reverse("programme:group_detail", args=[group.pk]),
        update=lambda data, version: services.group_update(
            actor=request.user, group=group, data=data, expected_version=version
        ),
        redirect_to=lambda obj: reverse("programme:group_detail", args=[obj.pk]),
    )


# --- memberships ----------------------------------------------------------------------------

MEMBERSHIP_LIST = ListSpec(
    title=_lazy("指导组成员"),
    queryset=selectors.memberships_for_list,
    columns=[
        Column("user.full_name", _lazy("姓名"), sort="user__full_name", link=True),
        Column("user.username", _lazy("账号"), export_only=True),
        Column("user.work_unit", _lazy("工作单位"), export_only=True),
        Column("group.name", _lazy("指导组"), sort="group__name"),
        Column("role", _lazy("组内职务"), sort="role"),
        Column("subgroup", _lazy("所在小组"), sort="subgroup"),
        Column("term_start", _lazy("任期开始"), sort="term_start"),
        Column("term_end", _lazy("任期结束"), sort="term_end"),
        ComputedColumn(
            "is_active",
            _lazy("在任"),
            sort="is_active",
            compute=lambda m: _("在任") if m.is_active else _("离任"),
        ),
    ],
    search_fields=["user__full_name", "user__username"],
    default_sort="group__name",
    filter_form=MembershipFilterForm,
    detail_url="programme:membership_detail",
    export_name="programme.membership",
)


@login_required
def membership_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, MEMBERSHIP_LIST)


def _membership(request: AuthenticatedHttpRequest, pk: int) -> Membership:
    return access(
        Membership.objects.visible_to(request.user).select_related("group__region", "user"), pk=pk
    )


@login_required
def membership_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    return redirect(reverse("programme:group_detail", args=[membership.group_id]) + "#members")


@login_required
def membership_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = access(GuidanceGroup.objects.visible_to(request.user).select_related("region"), pk=pk)
    require(can_manage_group(request.user, group))
    form = MembershipForm(request.POST or None)
    back = reverse("programme:group_detail", args=[group.pk])
    return form_page(
        request,
        form=form,
        title=_("添加成员：%(group)s") % {"group": group.name},
        success_message=_("成员已添加"),
        back_url=back,
        save=lambda data: services.membership_create(
            actor=request.user, group=group, **_without_version(data)
        ),
        redirect_to=lambda obj: back + "#members",
    )


@login_required
def membership_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    require(can_manage_group(request.user, membership.group))
    form = MembershipForm(request.POST or None, instance=membership)
    back = reverse("programme:group_detail", args=[membership.group_id])

    return form_page(
        request,
        form=form,
        title=_("编辑成员：%(name)s") % {"name": membership.user},
        success_message=_("成员信息已保存"),
        back_url=back,
        update=lambda data, version: services.membership_update(
            actor=request.user, membership=membership, data=data, expected_version=version
        ),
        redirect_to=lambda obj: back + "#members",
    )


@login_required
def membership_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    require(can_manage_group(request.user, membership.group) and membership.is_active)
    form = MembershipEndForm(request.POST or None, membership=membership)
    back = reverse("programme:group_detail", args=[membership.group_id])

    def save(data: dict[str, Any]) -> Membership:
        return services.membership_update(
            actor=request.user,
            membership=membership,
            data={"term_end": data["term_end"], "is_active": False},
            expected_version=data.get("expected_version"),
        )

    return form_page(
        request,
        form=form,
        title=_("结束任期：%(name)s（%(group)s）")
        % {"name": membership.user, "group": membership.group.name},
        success_message=_("已结束任期"),
        back_url=back,
        save=save,
        redirect_to=lambda obj: back + "#members",
    )


# --- pairings -------------------------------------------------------------------------------

PAIRING_LIST = ListSpec(
    title=_lazy("结对关系"),
    queryset=selectors.pairings_for_list,
    columns=[
        Column("group.name", _lazy("指导组"), sort="group__name", link=True),
        Column("batch.name", _lazy("批次"), sort="batch__number"),
        Column(
            "group.lead_university.name", _lazy("牵头高校"), sort="group__lead_university__code"
        ),
        Column("region.full_name", _lazy("结对地区"), sort="region_id"),
        Column("since", _lazy("结对日期"), sort="since"),
        Column("note", _lazy("备注")),
    ],
    search_fields=["group__name", "group__lead_university__name", "region__name"],
    default_sort="batch__number",
    filter_form=PairingFilterForm,
    detail_url="programme:pairing_detail",
    create_url="programme:pairing_create",
    can_create=is_province_admin,
    export_name="programme.pairing",
)


@login_required
def pairing_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, PAIRING_LIST)


def _pairing(request: AuthenticatedHttpRequest, pk: int) -> Pairing:
    return access(selectors.pairings_for_list(request.user), pk=pk)


@login_required
def pairing_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    schools = School.objects.visible_to(request.user).filter(
        county__path__startswith=pairing.region.path
    )
    return render(
        request,
        "programme/pairing_detail.html",
        {
            "pairing": pairing,
            "school_count": schools.count(),
            "can_delete": is_province_admin(request.user),
        },
    )


@login_required
def pairing_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(is_province_admin(request.user))
    form = PairingForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form=form,
        title=_("新增结对"),
        success_message=_("结对关系已新增"),
        back_url=reverse("programme:pairing_list"),
        save=lambda data: services.pairing_create(actor=request.user, **data),
        redirect_to=lambda obj: reverse("programme:pairing_detail", args=[obj.pk]),
    )


@login_required
def pairing_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    require(is_province_admin(request.user))
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.pairing_delete(actor=request.user, pairing=pairing)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("结对关系已删除"))
            return redirect("programme:pairing_list")
    return render(
        request,
        "programme/pairing_delete.html",
        {"pairing": pairing, "errors": errors},
        status=400 if errors else 200,
    )


# --- districts ------------------------------------------------------------------------------


def _instructor_names(district: District) -> str:
    return "、".join(str(m.user) for m in district.instructors.all())


DISTRICT_LIST = ListSpec(
    title=_lazy("片区"),
    queryset=selectors.districts_for_list,
    columns=[
        Column("name", _lazy("片区名称"), sort="name", link=True),
        Column("group.name", _lazy("指导组"), sort="group__name"),
        Column("batch.name", _lazy("批次"), sort="batch__number"),
        ComputedColumn("instructors", _lazy("指导员"), compute=_instructor_names),
        Column("school_count", _lazy("学校数"), sort="school_count"),
        Column("note", _lazy("备注"), export_only=True),
    ],
    search_fields=["name", "group__name"],
    default_sort="group__name",
    filter_form=DistrictFilterForm,
    detail_url="programme:district_detail",
    export_name="programme.district",
)


@login_required
def district_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, DISTRICT_LIST)


def _district(request: AuthenticatedHttpRequest, pk: int) -> District:
    return access(selectors.district_detail_qs(request.user), pk=pk)


def _district_context(request: AuthenticatedHttpRequest, district: District) -> dict[str, Any]:
    schools = Paginator(
        selectors.district_schools(request.user, district), DISTRICT_SCHOOLS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return {
        "district": district,
        "instructors": district.instructors.current()
        .select_related("user")
        .order_by("user__full_name"),
        "schools": schools,
        "page_range": schools.paginator.get_elided_page_range(
            schools.number, on_each_side=2, on_ends=1
        ),
        "can_manage": can_manage_group(request.user, district.group),
    }


@login_required
def district_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    district = _district(request, pk)
    context = _district_context(request, district)
    if context["can_manage"]:
        context.update(_candidates_context(request, district, ""))
    return render(request, "programme/district_detail.html", context)


@login_required
def district_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = access(
        GuidanceGroup.objects.visible_to(request.user).select_related("region", "batch"), pk=pk
    )
    require(can_manage_group(request.user, group))
    form = DistrictForm(request.POST or None, group=group)
    return form_page(
        request,
        form=form,
        title=_("新增片区：%(group)s") % {"group": group.name},
        success_message=_("片区已新增"),
        back_url=reverse("programme:group_detail", args=[group.pk]),
        save=lambda data: services.district_create(
            actor=request.user,
            group=group,
            name=data["name"],
            note=data["note"],
            instructors=data["instructors"],
        ),
        redirect_to=lambda obj: reverse("programme:district_detail", args=[obj.pk]),
        template="programme/district_form.html",
    )


@login_required
def district_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    district = _district(request, pk)
    require(can_manage_group(request.user, district.group))
    form = DistrictForm(request.POST or None, instance=district, group=district.group)

    def save(data: dict[str, Any]) -> District:
        return services.district_update(
            actor=request.user,
            district=district,
            data={"name": data["name"], "note": data["note"]},
            expected_version=data.get("expected_version"),
            instructors=data["instructors"],
        )

    return form_page(
        request,
        form=form,
        title=_("编辑片区：%(name)s") % {"name": district.name},
        success_message=_("片区已保存"),
        back_url=reverse("programme:district_detail", args=[district.pk]),
        save=save,
        redirect_to=lambda obj: reverse("programme:district_detail", args=[obj.pk]),
        template="programme/district_form.html",
    )


def _candidates_context(
    request: AuthenticatedHttpRequest, district: District, text: str
) -> dict[str, Any]:
    candidates = selectors.district_candidates(request.user, district, text)
    shown = list(candidates[: CANDIDATE_LIMIT + 1])
    return {
        "district": district,
        "q": text,
        "candidates": shown[:CANDIDATE_LIMIT],
        "candidate_count": candidates.count() if len(shown) > CANDIDATE_LIMIT else len(shown),
        "more": len(shown) > CANDIDATE_LIMIT,
        "limit": CANDIDATE_LIMIT,
    }


@login_required
def district_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the schools that may still join (the htmx search box); POST: add the ticked."""
    district = _district(request, pk)
    require(can_manage_group(request.user, district.group))
    if request.method != "POST":
        context = _candidates_context(request, district, request.GET.get("q", ""))
        return render(request, "programme/district_detail.html#candidates", context)
    ids = [int(v) for v in request.POST.getlist("schools") if v.isdigit()]
    schools = list(School.objects.visible_to(request.user).filter(pk__in=ids))
    errors: list[str] = []
    if not ids:
        errors.append(_("请先勾选要划入的学校"))
    elif len(schools) != len(set(ids)):
        errors.append(_("所选学校中有不存在或无权访问的学校"))
    else:
        try:
            added = services.district_assign_schools(
                actor=request.user, district=district, schools=schools
            )
        except ValidationError as exc:
            errors = exc.messages
        except IntegrityError:
            errors = [_("保存失败：所选学校刚被划入其他片区，请刷新后重试")]
        except PermissionDeniedError:
            require(False)
        else:
            messages.success(request, _("已划入 %(n)s 所学校") % {"n": added})
            return redirect("programme:district_detail", pk=district.pk)
    context = _district_context(request, district)
    context.update(_candidates_context(request, district, request.POST.get("q", "")))
    context["assign_errors"] = errors
    context["checked"] = set(ids)
    return render(request, "programme/district_detail.html", context, status=400)


@login_required
@require_POST
def district_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    district = _district(request, pk)
    require(can_manage_group(request.user, district.group))
    ids = [int(v) for v in request.POST.getlist("schools") if v.isdigit()]
    schools = list(School.objects.visible_to(request.user).filter(pk__in=ids))
    removed = (
        services.district_remove_schools(actor=request.user, district=district, schools=schools)
        if schools
        else 0
    )
    if removed:
        messages.success(request, _("已移出 %(n)s 所学校") % {"n": removed})
    else:
        messages.warning(request, _("未移出任何学校：请先勾选本片区的学校"))
    return redirect("programme:district_detail", pk=district.pk)


# --- coverage -------------------------------------------------------------------------------


def _tab_label(entry: selectors.BatchCoverage) -> str:
    return entry.batch.name if entry.batch else _("累计")


@login_required
def coverage_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    export = request.GET.get("export") == "xlsx"
    under: Region | None = None
    if request.GET.get("region") and not export:
        under = access(Region.objects.visible_to(request.user), pk=request.GET["region"])
    # The page shows one level (province → city → county, issue 15); the .xlsx every county.
    result = selectors.coverage(request.user, under, drill=not export)
    if len(result) == 1:
        # With one batch the total is that batch; the 累计 tab is still where people look.
        result.append(replace(result[0], batch=None))
    if export:
        return _coverage_xlsx(request, result)
    trail = []
    if under is not None:
        trail = [
            *Region.objects.visible_to(request.user)
            .filter(code__in=under.ancestor_codes)
            .order_by("code"),
            under,
        ]
    return render(
        request,
        "programme/coverage.html",
        {
            "tabs": [
                {"id": f"cov-{i}", "label": _tab_label(entry), "entry": entry}
                for i, entry in enumerate(result)
            ],
            "under": under,
            "trail": trail,
        },
    )


def _coverage_xlsx(
    request: AuthenticatedHttpRequest, result: list[selectors.BatchCoverage]
) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    header = [
        _("设区市"),
        _("县（市、区）"),
        _("学校数"),
        _("结对地区学校数"),
        _("结对覆盖率（%）"),
        _("已划入片区学校数"),
        _("片区覆盖率（%）"),
    ]
    used: set[str] = set()
    for entry in result:
        title = _tab_label(entry)[:28]
        while title in used:
            title += "_"
        used.add(title)
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        for city in entry.cities:
            sheet.append(_coverage_cells(city.label, "", city))
            for county in city.children:
                sheet.append(_coverage_cells(city.label, county.label, county))
        sheet.append(_coverage_cells(_("合计"), "", entry.total))
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 16
        for col in "CDEFG":
            sheet.column_dimensions[col].width = 16
    if not result:
        workbook.create_sheet(_("覆盖情况")).append(header)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="programme.coverage",
        object_repr=_("覆盖情况（%(n)s个批次表）") % {"n": len(result)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(workbook, f"{_('覆盖情况')}-{stamp}.xlsx")


def _coverage_cells(city: str, county: str, row: selectors.CoverageRow) -> list[Any]:
    return [
        city,
        county,
        row.schools,
        row.paired,
        row.paired_pct,
        row.districted,
        row.districted_pct,
    ]
