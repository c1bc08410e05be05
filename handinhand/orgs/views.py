from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.scope import get_scope
from handinhand.core.views_helpers import access, form_page, require
from handinhand.orgs import hooks, pickers, selectors, services
from handinhand.orgs.access import can_create_schools, can_edit_school_in, can_edit_universities
from handinhand.orgs.forms import (
    RecognitionForm,
    RegionFilterForm,
    SchoolFilterForm,
    SchoolForm,
    UniversityFilterForm,
    UniversityForm,
)
from handinhand.orgs.models import Region, School, University

SCHOOL_LIST = ListSpec(
    title=_lazy("中小学校"),
    queryset=selectors.schools_for_list,
    columns=[
        Column("name", _lazy("学校名称"), sort="name", link=True),
        Column("credit_code", _lazy("统一社会信用代码"), sort="credit_code"),
        Column("county.parent.name", _lazy("设区市"), sort="county__parent_id"),
        Column("county.name", _lazy("县（市、区）"), sort="county_id"),
        Column("school_type", _lazy("学校类型"), sort="school_type"),
        Column("party_org_form", _lazy("党组织形式"), sort="party_org_form"),
        Column("secretary", _lazy("党组织书记")),
        Column("principal", _lazy("校长"), export_only=True),
        Column("contact_phone", _lazy("联系电话"), export_only=True),
        Column("student_count", _lazy("学生数"), sort="student_count"),
        Column("teacher_count", _lazy("教职工数"), sort="teacher_count"),
    ],
    search_fields=["name", "credit_code", "secretary"],
    default_sort="county_id",
    filter_form=SchoolFilterForm,
    detail_url="orgs:school_detail",
    create_url="orgs:school_create",
    can_create=services.can_create_schools,
    export_name="orgs.school",
    job_path="handinhand.orgs.views.SCHOOL_LIST",
)


@login_required
def school_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    spec = SCHOOL_LIST
    if can_create_schools(request.user):
        spec = ListSpec(
            **{
                **SCHOOL_LIST.__dict__,
                "extra_actions": [
                    (reverse("orgs:school_import"), _("导入花名册")),
                    (reverse("orgs:school_template"), _("下载导入模板")),
                ],
            }
        )
    return render_list(request, spec)


@login_required
def school_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    school = access(selectors.school_detail_qs(request.user), pk=pk)
    context = {
        "school": school,
        "can_edit": can_edit_school_in(request.user, school.county),
        **hooks.school_programme.get()(request.user, school),
        "school_links": [
            link
            for provider in hooks.school_links.values()
            for link in provider(request.user, school)
        ],
    }
    return render(request, "orgs/school_detail.html", context)


@login_required
def school_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_create_schools(request.user))
    form = SchoolForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form=form,
        title=_("新增学校"),
        success_message=_("学校已新增"),
        back_url=reverse("orgs:school_list"),
        save=lambda data: services.school_create(
            actor=request.user, **{k: v for k, v in data.items() if k != "expected_version"}
        ),
        redirect_to=lambda obj: reverse("orgs:school_detail", args=[obj.pk]),
    )


@login_required
def school_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    school = access(selectors.school_detail_qs(request.user), pk=pk)
    require(can_edit_school_in(request.user, school.county))
    form = SchoolForm(request.POST or None, instance=school, user=request.user)

    return form_page(
        request,
        form=form,
        title=_("编辑学校：%(name)s") % {"name": school.name},
        success_message=_("学校信息已保存"),
        back_url=reverse("orgs:school_detail", args=[school.pk]),
        update=lambda data, version: services.school_update(
            actor=request.user, school=school, data=data, expected_version=version
        ),
        redirect_to=lambda obj: reverse("orgs:school_detail", args=[obj.pk]),
    )


UNIVERSITY_LIST = ListSpec(
    title=_lazy("高校"),
    queryset=selectors.universities_for_list,
    columns=[
        Column("name", _lazy("高校名称"), sort="name", link=True),
        Column("short_name", _lazy("简称")),
        Column("code", _lazy("学校标识码"), sort="code"),
        Column("city.name", _lazy("所在城市"), sort="city_id"),
        Column("party_secretary", _lazy("党委书记")),
        Column("group_count", _lazy("牵头指导组数"), sort="group_count"),
        Column("recognition_count", _lazy("示范认定数"), sort="recognition_count"),
    ],
    search_fields=["name", "short_name", "code"],
    default_sort="code",
    filter_form=UniversityFilterForm,
    detail_url="orgs:university_detail",
    create_url="orgs:university_create",
    can_create=lambda user: get_scope(user).everything,
    export_name="orgs.university",
)


@login_required
def university_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, UNIVERSITY_LIST)


@login_required
def university_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    university = access(University.objects.visible_to(request.user).select_related("city"), pk=pk)
    groups = (
        hooks.visible_groups.get()(request.user)
        .filter(lead_university=university)
        .select_related("region", "batch")
    )
    can_edit = can_edit_universities(request.user)
    return render(
        request,
        "orgs/university_detail.html",
        {
            "university": university,
            "recognitions": university.recognitions.all(),
            "groups": groups,
            "can_edit": can_edit,
            "recognition_form": RecognitionForm() if can_edit else None,
        },
    )


@login_required
def university_recognition_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    university = access(University.objects.visible_to(request.user), pk=pk)
    require(can_edit_universities(request.user))
    form = RecognitionForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("新增党建示范认定：%(name)s") % {"name": university.name},
        success_message=_("认定记录已新增"),
        back_url=reverse("orgs:university_detail", args=[university.pk]),
        save=lambda data: services.recognition_create(
            actor=request.user, university=university, **data
        ),
        redirect_to=lambda obj: reverse("orgs:university_detail", args=[university.pk]),
    )


@login_required
def university_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_edit_universities(request.user))
    form = UniversityForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("新增高校"),
        success_message=_("高校已新增"),
        back_url=reverse("orgs:university_list"),
        save=lambda data: services.university_create(
            actor=request.user, **{k: v for k, v in data.items() if k != "expected_version"}
        ),
        redirect_to=lambda obj: reverse("orgs:university_detail", args=[obj.pk]),
    )


@login_required
def university_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    university = access(University.objects.visible_to(request.user), pk=pk)
    require(can_edit_universities(request.user))
    form = UniversityForm(request.POST or None, instance=university)

    return form_page(
        request,
        form=form,
        title=_("编辑高校：%(name)s") % {"name": university.name},
        success_message=_("高校信息已保存"),
        back_url=reverse("orgs:university_detail", args=[university.pk]),
        update=lambda data, version: services.university_update(
            actor=request.user, university=university, data=data, expected_version=version
        ),
        redirect_to=lambda obj: reverse("orgs:university_detail", args=[obj.pk]),
    )


REGION_LIST = ListSpec(
    title=_lazy("行政区划"),
    queryset=selectors.regions_for_list,
    columns=[
        Column("name", _lazy("名称"), sort="name", link=True),
        Column("code", _lazy("区划代码"), sort="code"),
        Column("level", _lazy("级别"), sort="level"),
        Column("parent.name", _lazy("上级区划")),
        Column("school_count", _lazy("学校数"), sort="school_count"),
    ],
    search_fields=["name", "code"],
    default_sort="code",
    filter_form=RegionFilterForm,
    detail_url="orgs:region_detail",
    export_name="orgs.region",
)


@login_required
def region_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, REGION_LIST)


@login_required
def region_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    region = access(Region.objects.visible_to(request.user).select_related("parent"), pk=code)
    children = selectors.regions_for_list(request.user).filter(parent=region)
    schools = School.objects.visible_to(request.user).filter(county__path__startswith=region.path)
    return render(
        request,
        "orgs/region_detail.html",
        {
            "region": region,
            "children": children,
            "school_count": schools.count(),
            "groups": hooks.visible_groups.get()(request.user)
            .filter(region=region)
            .select_related("lead_university"),
            "pairings": hooks.visible_pairings.get()(request.user)
            .filter(region=region)
            .select_related("group", "batch"),
        },
    )


# --- pickers (issue 15 item 1) ------------------------------------------------------------------


@login_required
def region_pick(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Suggestions for a region picker: regions the user sees (or, `which=editable`, the
    counties where they may edit schools) matching the typed text; at most PICK_LIMIT."""
    name = request.GET.get("name", "")
    text = request.GET.get(name, "") if name else ""
    if request.GET.get("which") == "editable":
        regions = services.editable_counties(request.user)
    else:
        regions = Region.objects.visible_to(request.user)
    found = pickers.region_suggestions(regions, text, request.GET.get("level", ""))
    options = [pickers.region_label(r) for r in found]
    return render(request, "orgs/picker_options.html", {"options": options})


@login_required
def school_pick(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Suggestions for a school picker: schools in the user's scope whose name matches."""
    name = request.GET.get("name", "")
    text = request.GET.get(name, "") if name else ""
    found = pickers.school_suggestions(School.objects.visible_to(request.user), text)
    options = [pickers.school_label(s) for s in found]
    return render(request, "orgs/picker_options.html", {"options": options})
