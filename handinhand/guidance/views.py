"""Pages of guidance work: visits (list, detail, form, calendar, documents). Reads through
selectors, writes through services."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.models import User
from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core import audit
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.core.uploads import serve_upload
from handinhand.core.views_helpers import (
    access,
    form_page,
    require,
    require_business,
    show_conflict,
)
from handinhand.guidance import selectors, services
from handinhand.guidance.access import can_manage_visit, can_publish_resources, is_instructor
from handinhand.guidance.documents import visit_docx_response
from handinhand.guidance.forms import (
    AnswerForm,
    AttachmentForm,
    BrandFilterForm,
    BrandForm,
    CoverageFilterForm,
    FieldVisitForm,
    FindingFilterForm,
    FindingForm,
    ResourceForm,
    ReturnForm,
    VisitFilterForm,
    VisitForm,
)
from handinhand.guidance.models import (
    Brand,
    Finding,
    FindingStatus,
    Rectification,
    Resource,
    Severity,
    Visit,
    VisitAttachment,
)
from handinhand.orgs.models import Region, RegionLevel, School
from handinhand.programme.models import GuidanceGroup, Membership
from handinhand.programme.views import ComputedColumn


def _names(items: Any) -> str:
    return "、".join(str(i) for i in items)


VISIT_LIST = ListSpec(
    title=_lazy("指导活动"),
    queryset=selectors.visits_for_list,
    columns=[
        Column("date", _lazy("活动日期"), sort="date", link=True),
        Column("title", _lazy("活动主题"), sort="title"),
        ComputedColumn(
            "schools",
            _lazy("指导学校"),
            compute=lambda v: _names(s.name for s in v.schools.all()),
            batch=selectors.visit_school_names,
        ),
        Column("group.name", _lazy("指导组"), sort="group__name"),
        Column("form", _lazy("活动形式"), sort="form", policy_word=True),
        Column("duration_hours", _lazy("时长（小时）"), sort="duration_hours"),
        ComputedColumn(
            "instructors",
            _lazy("参加指导员"),
            compute=lambda v: _names(m.user for m in v.instructors.all()),
            batch=selectors.visit_instructor_names,
        ),
        Column("status", _lazy("状态"), sort="status"),
        ComputedColumn(
            "indicators",
            _lazy("涉及指标"),
            export_only=True,
            compute=lambda v: _names(v.indicators),
            batch=selectors.visit_indicator_names,
        ),
        Column("content", _lazy("活动内容"), export_only=True),
    ],
    search_fields=[],  # VisitFilterForm searches titles and the names of schools in scope
    default_sort="-date",
    filter_form=VisitFilterForm,
    detail_url="guidance:visit_detail",
    create_url="guidance:visit_create",
    can_create=is_instructor,
    export_name="guidance.visit",
    job_path="handinhand.guidance.views.VISIT_LIST",
)


@login_required
def visit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, VISIT_LIST)


@login_required
def visit_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visit = access(selectors.visit_detail_qs(request.user), pk=pk)
    return render(
        request,
        "guidance/visit_detail.html",
        {
            "visit": visit,
            "findings": selectors.visit_findings(request.user, visit),
            "can_manage": can_manage_visit(request.user, visit),
            "attachment_form": AttachmentForm(),
            "today": timezone.localdate(),
        },
    )


def _visit_form_page(request: AuthenticatedHttpRequest, visit: Visit | None) -> HttpResponse:
    form = VisitForm(request.POST or None, instance=visit, user=request.user)

    def save(data: dict[str, Any]) -> Visit:
        fields = form.service_data()
        if visit is None:
            return services.visit_plan(
                actor=request.user, group=data["group"], status=data["status"], **fields
            )
        return services.visit_update(
            actor=request.user,
            visit=visit,
            data=fields,
            expected_version=data.get("expected_version"),
        )

    return form_page(
        request,
        form=form,
        title=_("登记指导活动") if visit is None else _("编辑指导活动：%(t)s") % {"t": visit.title},
        success_message=_("指导活动已保存"),
        back_url=reverse("guidance:visit_list")
        if visit is None
        else reverse("guidance:visit_detail", args=[visit.pk]),
        save=save,
    )


@login_required
def visit_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(is_instructor(request.user))
    return _visit_form_page(request, None)


@login_required
def visit_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visit = access(Visit.objects.visible_to(request.user), pk=pk)
    require(can_manage_visit(request.user, visit))
    return _visit_form_page(request, visit)


def _status_action(
    request: AuthenticatedHttpRequest, pk: int, action: Any, done: str
) -> HttpResponse:
    visit = access(Visit.objects.visible_to(request.user), pk=pk)
    require(can_manage_visit(request.user, visit))
    version = request.POST.get("expected_version")
    try:
        action(
            actor=request.user,
            visit=visit,
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        show_conflict(request)
    except PermissionDeniedError:
        require(False)
    else:
        messages.success(request, done)
    return redirect("guidance:visit_detail", pk=visit.pk)


@login_required
@require_POST
def visit_mark_held(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _status_action(request, pk, services.visit_mark_held, _("已标记为已开展"))


@login_required
@require_POST
def visit_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _status_action(request, pk, services.visit_cancel, _("活动已取消"))


@login_required
@require_POST
def attachment_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visit = access(Visit.objects.visible_to(request.user), pk=pk)
    require(can_manage_visit(request.user, visit))
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件"))
    else:
        try:
            services.attachment_add(
                actor=request.user, visit=visit, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("附件已上传"))
    return redirect("guidance:visit_detail", pk=visit.pk)


@login_required
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = access(
        VisitAttachment.objects.filter(visit__in=Visit.objects.visible_to(request.user)), pk=pk
    )
    return serve_upload(attachment.file, attachment.kind, attachment.name)


@login_required
def visit_docx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visit = access(selectors.visit_detail_qs(request.user), pk=pk)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        instance=visit,
        changes={"format": [None, "docx"]},
    )
    return visit_docx_response(visit)


_MONTH = re.compile(r"(\d{4})-(1[0-2]|0?[1-9])")


def _month(text: str) -> tuple[int, int]:
    """`2025-01` → (2025, 1): a calendar month, not an instant, so no datetime (and no time
    zone) is involved; anything else is the programme's current month."""
    if match := _MONTH.fullmatch(text):
        return int(match[1]), int(match[2])
    today = timezone.localdate()
    return today.year, today.month


def _shift(year: int, month: int, by: int) -> str:
    index = year * 12 + (month - 1) + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@login_required
def visit_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A month of visits, for one person, one group or one region (or all in scope)."""
    require_business(request)
    user = request.user
    year, month = _month(request.GET.get("month", ""))
    visits = Visit.objects.visible_to(user)
    groups = GuidanceGroup.objects.visible_to(user).order_by("name")
    regions = Region.objects.visible_to(user).filter(level=RegionLevel.CITY).order_by("code")
    group_id, region_code = request.GET.get("group", ""), request.GET.get("region", "")
    group = groups.filter(pk=int(group_id)).first() if group_id.isdigit() else None
    region = regions.filter(pk=region_code).first() if region_code else None
    people_groups = [group.pk] if group else list(get_scope(user).group_ids)
    people = (
        Membership.objects.visible_to(user)
        .current()
        .filter(group_id__in=people_groups)
        .select_related("user")
        .order_by("user_id")
    )
    person_id = request.GET.get("person", "")
    person = next((m.user for m in people if str(m.user_id) == person_id), None)
    if group:
        visits = visits.filter(group=group)
    if region:
        visits = visits.filter(
            pk__in=Visit.objects.filter(schools__county__path__startswith=region.path).values("pk")
        )
    if person:
        visits = visits.filter(instructors__user=person)
    query = request.GET.copy()
    query.pop("month", None)
    return render(
        request,
        "guidance/calendar.html",
        {
            "weeks": selectors.month_grid(visits, year, month),
            "year": year,
            "month": month,
            "prev": _shift(year, month, -1),
            "next": _shift(year, month, 1),
            "query": query.urlencode(),
            "groups": groups,
            "regions": regions,
            "people": people,
            "group": group,
            "region": region,
            "person": person,
            "today": timezone.localdate(),
        },
    )


@login_required
def workbench(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The instructor's first page: their groups, districts, schools and visits to come."""
    require(is_instructor(request.user))
    return render(
        request,
        "guidance/workbench.html",
        {
            "wb": selectors.workbench(request.user),
            "today": timezone.localdate(),
            "yesterday": timezone.localdate() - dt.timedelta(days=1),
        },
    )


# --- coverage -----------------------------------------------------------------------------------


def _coverage_reader(user: User) -> bool:
    """Coverage is the programme's view of many schools: not a school's own page."""
    scope = get_scope(user)
    return scope.everything or bool(scope.staff_paths) or bool(scope.group_ids)


def _standing(school: Any) -> str:
    minimum = get_policy().guidance.min_visits_per_school_per_year
    if not school.ever_visited:
        return _("从未被指导")
    return _("已达标") if school.visits_this_year >= minimum else _("未达标")


COVERAGE_LIST = ListSpec(
    title=_lazy("学校受指导情况（本年度）"),
    queryset=lambda user: selectors.coverage_schools(user, timezone.localdate().year),
    columns=[
        Column("name", _lazy("学校名称"), sort="name", link=True),
        Column("county.parent.name", _lazy("设区市"), sort="county__parent_id"),
        Column("county.name", _lazy("县（市、区）"), sort="county_id"),
        Column("visits_this_year", _lazy("今年指导次数"), sort="visits_this_year"),
        ComputedColumn(
            "minimum",
            _lazy("最低要求"),
            compute=lambda s: get_policy().guidance.min_visits_per_school_per_year,
        ),
        ComputedColumn("standing", _lazy("达标情况"), compute=_standing),
    ],
    search_fields=["name", "county__name"],
    default_sort="visits_this_year",
    filter_form=CoverageFilterForm,
    detail_url="orgs:school_detail",
    export_name="guidance.coverage",
    job_path="handinhand.guidance.views.COVERAGE_LIST",
    extra_actions=(),
)


@login_required
def coverage(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(_coverage_reader(request.user))
    spec = replace(
        COVERAGE_LIST,
        extra_actions=[(reverse("guidance:coverage_districts"), _("按片区统计未被指导学校"))],
    )
    return render_list(request, spec)


@login_required
def coverage_districts(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(_coverage_reader(request.user))
    year = timezone.localdate().year
    districts = selectors.coverage_districts(request.user, year)
    return render(
        request,
        "guidance/coverage_districts.html",
        {
            "districts": districts,
            "year": year,
            "minimum": get_policy().guidance.min_visits_per_school_per_year,
            "total_schools": sum(d.school_count for d in districts),
            "total_never": sum(d.never_visited for d in districts),
            "total_below": sum(d.below_minimum for d in districts),
        },
    )


# --- findings -----------------------------------------------------------------------------------


def _overdue_mark(f: Any) -> str:
    return _("逾期") if f.is_overdue(timezone.localdate()) else ""


def _return_note(f: Any) -> str:
    """A returned finding's latest reason and who returned it (selectors.with_last_return)."""
    if f.status != FindingStatus.RETURNED:
        return ""
    if not f.return_reason:
        return str(_("退回原因未记录"))
    return _("%(reason)s（%(who)s）") % {"reason": f.return_reason, "who": f.returned_by or "—"}


FINDING_LIST = ListSpec(
    title=_lazy("问题整改"),
    queryset=selectors.findings_for_list,
    columns=[
        Column("found_on", _lazy("发现日期"), sort="found_on", link=True),
        Column("school.name", _lazy("学校"), sort="school__name"),
        Column("school.county.parent.name", _lazy("设区市"), sort="school__county__parent_id"),
        Column("problem", _lazy("问题描述")),
        Column("indicator", _lazy("相关指标"), sort="indicator"),
        Column("severity", _lazy("严重程度"), sort="severity"),
        Column("deadline", _lazy("整改期限"), sort="deadline"),
        Column("status", _lazy("状态"), sort="status"),
        ComputedColumn("overdue", _lazy("逾期"), compute=_overdue_mark),
        ComputedColumn("returned", _lazy("退回原因"), compute=_return_note),
        Column("raised_by.user", _lazy("提出人"), export_only=True),
    ],
    search_fields=["school__name", "problem", "indicator"],
    default_sort="-found_on",
    filter_form=FindingFilterForm,
    detail_url="guidance:finding_detail",
    create_url="guidance:finding_create",
    can_create=is_instructor,
    export_name="guidance.finding",
)


@login_required
def finding_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    spec = replace(FINDING_LIST, extra_actions=[(reverse("guidance:finding_stats"), _("分类统计"))])
    return render_list(request, spec)


@login_required
def finding_stats(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render(
        request, "guidance/finding_stats.html", {"counts": selectors.finding_counts(request.user)}
    )


@login_required
def finding_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(is_instructor(request.user))
    visit = None
    visit_id = request.GET.get("visit", "")
    if visit_id.isdigit():
        visit = access(Visit.objects.visible_to(request.user), pk=int(visit_id))
        require(can_manage_visit(request.user, visit))
    initial = {"found_on": visit.date if visit else timezone.localdate()}
    form = FindingForm(request.POST or None, user=request.user, visit=visit, initial=initial)
    return form_page(
        request,
        form=form,
        title=_("提出问题"),
        success_message=_("问题已提出，待学校整改"),
        back_url=visit.get_absolute_url() if visit else reverse("guidance:finding_list"),
        save=lambda data: services.finding_raise(actor=request.user, visit=visit, **data),
    )


@login_required
def finding_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    finding = access(selectors.findings_for_list(request.user).select_related("visit"), pk=pk)
    return render(
        request,
        "guidance/finding_detail.html",
        {
            "finding": finding,
            "returned": finding.status == FindingStatus.RETURNED,
            "answers": finding.answers.select_related("answered_by", "reviewed_by"),
            "actions": services.allowed_actions(request.user, finding),
            "answer_form": AnswerForm(),
            "return_form": ReturnForm(),
            "overdue": finding.is_overdue(timezone.localdate()),
        },
    )


def _finding_action(
    request: AuthenticatedHttpRequest, pk: int, run: Any, done: str
) -> HttpResponse:
    finding = access(Finding.objects.visible_to(request.user), pk=pk)
    version = request.POST.get("expected_version", "")
    try:
        run(finding, int(version) if version.isdigit() else None)
    except PermissionDeniedError:
        require(False)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        show_conflict(request)
    else:
        messages.success(request, done)
    return redirect("guidance:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _finding_action(
        request,
        pk,
        lambda f, v: services.finding_answer(
            actor=request.user,
            finding=f,
            measures=request.POST.get("measures", ""),
            evidence=request.FILES.get("evidence"),
            expected_version=v,
        ),
        _("整改情况已提交，待指导员核验"),
    )


@login_required
@require_POST
def finding_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _finding_action(
        request,
        pk,
        lambda f, v: services.finding_accept(actor=request.user, finding=f, expected_version=v),
        _("问题已销号"),
    )


@login_required
@require_POST
def finding_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _finding_action(
        request,
        pk,
        lambda f, v: services.finding_return(
            actor=request.user,
            finding=f,
            reason=request.POST.get("reason", ""),
            expected_version=v,
        ),
        _("已退回学校重新整改"),
    )


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    answer = access(
        Rectification.objects.filter(finding__in=Finding.objects.visible_to(request.user)),
        pk=pk,
    )
    require(bool(answer.evidence))
    return serve_upload(answer.evidence, answer.evidence_kind, answer.evidence_name)


# --- brands -------------------------------------------------------------------------------------


def _own_schools(user: User) -> Any:
    return School.objects.filter(pk__in=get_scope(user).own_school_ids)


BRAND_LIST = ListSpec(
    title=_lazy("党建品牌"),
    queryset=lambda user: Brand.objects.visible_to(user).select_related("school__county"),
    columns=[
        Column("name", _lazy("品牌名称"), sort="name", link=True),
        Column("school.name", _lazy("学校"), sort="school__name"),
        Column("school.county.name", _lazy("县（市、区）"), sort="school__county_id"),
        Column("stage", _lazy("所处阶段"), sort="stage"),
        Column("idea", _lazy("品牌理念"), export_only=True),
        Column("measures", _lazy("主要举措"), export_only=True),
    ],
    search_fields=["name", "school__name"],
    default_sort="school__name",
    filter_form=BrandFilterForm,
    detail_url="guidance:brand_detail",
    create_url="guidance:brand_create",
    can_create=lambda user: _own_schools(user).exists(),
    export_name="guidance.brand",
)


@login_required
def brand_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    spec = replace(BRAND_LIST, extra_actions=[(reverse("guidance:brand_showcase"), _("品牌展示"))])
    return render_list(request, spec)


@login_required
def brand_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    schools = _own_schools(request.user)
    require(schools.exists())
    form = BrandForm(request.POST or None, schools=schools)
    return form_page(
        request,
        form=form,
        title=_("申报党建品牌"),
        success_message=_("品牌已申报"),
        back_url=reverse("guidance:brand_list"),
        save=lambda data: services.brand_propose(actor=request.user, **data),
    )


@login_required
def brand_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    brand = access(Brand.objects.visible_to(request.user).select_related("school"), pk=pk)
    stages = get_policy().brands.stages
    index = stages.index(brand.stage) if brand.stage in stages else -1
    return render(
        request,
        "guidance/brand_detail.html",
        {
            "brand": brand,
            "stages": [(s, i <= index) for i, s in enumerate(stages)],
            "next_stage": stages[index + 1] if index + 1 < len(stages) else None,
            "can_advance": services.can_advance_brand(request.user, brand),
        },
    )


@login_required
@require_POST
def brand_advance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    brand = access(Brand.objects.visible_to(request.user).select_related("school"), pk=pk)
    require(services.can_advance_brand(request.user, brand))
    version = request.POST.get("expected_version", "")
    try:
        services.brand_advance(
            actor=request.user,
            brand=brand,
            to_stage=request.POST.get("stage", ""),
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        show_conflict(request)
    else:
        messages.success(request, _("品牌阶段已推进"))
    return redirect("guidance:brand_detail", pk=brand.pk)


@login_required
def brand_showcase(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Named brands (the policy's last stage) in scope, as cards."""
    require_business(request)
    named = get_policy().brands.stages[-1]
    brands = (
        Brand.objects.visible_to(request.user)
        .filter(stage=named)
        .select_related("school__county__parent")
        .order_by("school__county_id", "name")[:200]
    )
    return render(request, "guidance/brand_showcase.html", {"brands": brands, "named": named})


# --- shared resources ---------------------------------------------------------------------------

RESOURCE_LIST = ListSpec(
    title=_lazy("共享资源"),
    queryset=lambda user: Resource.objects.visible_to(user).select_related("university"),
    columns=[
        Column("title", _lazy("标题"), sort="title", link=True),
        Column("university.name", _lazy("发布高校"), sort="university__name"),
        Column("kind", _lazy("类别"), sort="kind"),
        Column("file_name", _lazy("文件名")),
        Column("published_at", _lazy("发布时间"), sort="published_at"),
        Column("description", _lazy("简介"), export_only=True),
    ],
    search_fields=["title", "description", "university__name"],
    default_sort="-published_at",
    detail_url="guidance:resource_download",
    create_url="guidance:resource_create",
    can_create=lambda user: bool(get_scope(user).university_ids),
    export_name="guidance.resource",
)


@login_required
def resource_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, RESOURCE_LIST)


@login_required
def resource_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_publish_resources(request.user))
    form = ResourceForm(request.POST or None, request.FILES or None, user=request.user)
    return form_page(
        request,
        form=form,
        title=_("发布共享资源"),
        success_message=_("资源已发布"),
        back_url=reverse("guidance:resource_list"),
        save=lambda data: services.resource_publish(actor=request.user, **data),
        redirect_to=lambda obj: reverse("guidance:resource_list"),
    )


@login_required
def resource_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    resource = access(Resource.objects.visible_to(request.user), pk=pk)
    return serve_upload(resource.file, resource.file_kind, resource.file_name)


# --- a visit recorded in the field, on a phone (also offline) -----------------------------------


def _field_groups(request: AuthenticatedHttpRequest) -> list[int]:
    """The groups whose schools the picker offers: the one asked for if it is the user's,
    else all of the user's groups."""
    mine = sorted(get_scope(request.user).group_ids)
    asked = request.GET.get("group", "")
    return [int(asked)] if asked.isdigit() and int(asked) in mine else mine


@login_required
def visit_field(request: AuthenticatedHttpRequest) -> HttpResponse:
    """现场记录: the one phone screen for a visit, its findings and photos. It is kept by the
    service worker, so that it opens and records without a signal too."""
    require(is_instructor(request.user))
    form = FieldVisitForm(user=request.user)
    groups = _field_groups(request)
    return render(
        request,
        "guidance/visit_field.html",
        {
            "form": form,
            "recent": selectors.search_field_schools(request.user, groups, ""),
            "severities": Severity.choices,
            "finding_deadline": form.finding_deadline,
            "max_bytes": int(get_policy().guidance.attachment_max_mb * 1024 * 1024),
            "max_photos": services.MAX_FIELD_PHOTOS,
        },
    )


@login_required
def visit_field_schools(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The picker's matches as an htmx fragment (typed name, county or pinyin initials)."""
    require(is_instructor(request.user))
    text = request.GET.get("q", "")[:50]
    return render(
        request,
        "guidance/_field_schools.html",
        {
            "schools": selectors.search_field_schools(request.user, _field_groups(request), text),
            "text": text,
        },
    )


@login_required
def visit_field_schools_json(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Every school the user's groups guide, for the phone to search while offline."""
    require(is_instructor(request.user))
    scope = get_scope(request.user)
    per_group = {g: selectors.field_schools(request.user, [g]) for g in sorted(scope.group_ids)}
    return JsonResponse(
        {
            "user": request.user.pk,
            "groups": {
                str(g): [[c.id, c.name, c.county, c.initials, c.recent] for c in choices]
                for g, choices in per_group.items()
            },
        }
    )


def _field_answer(
    request: AuthenticatedHttpRequest, status: int, body: dict[str, Any], url: str = ""
) -> HttpResponse:
    """JSON for the phone's script; a page (with its message) without JavaScript."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(body, status=status)
    if status < 300:
        messages.success(request, body["message"])
        return redirect(url)
    messages.error(request, "；".join(body.get("messages", [])))
    return redirect("guidance:visit_field")


@login_required
@require_POST
def visit_field_submit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record the visit. Answers: 201 created, 200 the same key sent again (the first visit),
    409 the school is no longer in the group's scope (the phone keeps its draft), 400 bad
    input (nothing written), 403 not allowed."""
    require(is_instructor(request.user))
    form = FieldVisitForm(request.POST, user=request.user)
    if not form.is_valid():
        errors = [str(m) for field in form.errors.values() for m in field]
        return _field_answer(request, 400, {"ok": False, "messages": errors})
    data = form.cleaned_data
    school = form.school_object()
    if school is None:
        # Not (or no longer) visible: the same conflict as a school that left the group's
        # scope, naming nothing — the phone shows the name it kept.
        text = _("所选学校已不在本组的指导范围内，未能登记；记录仍保留在本机")
        return _field_answer(request, 409, {"ok": False, "conflict": True, "messages": [text]})
    instructors = list(data["instructors"]) or list(
        Membership.objects.current().filter(user=request.user, group=data["group"])
    )
    try:
        visit, created = services.visit_record(
            actor=request.user,
            group=data["group"],
            school=school,
            date=data["date"],
            duration_hours=data["duration_hours"],
            form=data["form"],
            title=data["title"] or f"{school.name}{data['form']}",
            instructors=instructors,
            content=data["content"],
            status=data["status"],
            findings=form.findings,
            photos=request.FILES.getlist("photos"),
            client_key=data["client_key"],
        )
    except services.OutOfScopeError as exc:
        return _field_answer(
            request, 409, {"ok": False, "conflict": True, "messages": exc.messages}
        )
    except ValidationError as exc:
        return _field_answer(request, 400, {"ok": False, "messages": exc.messages})
    except PermissionDeniedError as exc:
        return _field_answer(request, 403, {"ok": False, "messages": [str(exc)]})
    url = visit.get_absolute_url()
    message = _("指导活动已登记") if created else _("该记录此前已上传，未重复登记")
    body = {"ok": True, "created": created, "visit": visit.pk, "url": url, "message": message}
    return _field_answer(request, 201 if created else 200, body, url)


def service_worker(request: HttpRequest) -> HttpResponse:
    """The field screen's service worker, served under /guidance/ so that its scope covers the
    instructor's pages (a worker's scope is at most the folder of its URL)."""
    path = finders.find("guidance/sw.js")
    if not isinstance(path, str):
        raise Http404
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/guidance/"
    return response
