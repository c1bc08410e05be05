from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.models import User
from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.exports import xlsx_response
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.uploads import serve_generated, serve_upload
from handinhand.core.views_helpers import access, form_page, require
from handinhand.research import access as rules
from handinhand.research import documents, selectors, services
from handinhand.research.forms import (
    ApplicationFilterForm,
    ApplicationForm,
    AssignForm,
    CallForm,
    FileForm,
    FollowUpForm,
    OverrideForm,
    RecommendForm,
    ReviewForm,
)
from handinhand.research.models import (
    ApplicationFile,
    AppStatus,
    CallStatus,
    FilePurpose,
    ResearchApplication,
    ResearchCall,
    ReviewAssignment,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _actor(request: HttpRequest) -> User:
    """The signed-in person (every view here is behind login_required)."""
    if not isinstance(request.user, User):
        raise PermissionDeniedError
    return request.user


APPLICATION_LIST = ListSpec(
    title=_lazy("课题申报"),
    queryset=selectors.applications_for_list,
    columns=[
        Column("title", _lazy("课题名称"), sort="title", link=True),
        Column("applicant.full_name", _lazy("申报人"), sort="applicant__full_name"),
        Column("unit", _lazy("所在单位"), sort="unit__name"),
        Column("call.title", _lazy("申报通知"), sort="call_id"),
        Column("direction", _lazy("研究方向"), export_only=True),
        Column("budget", _lazy("经费预算（元）"), export_only=True),
        Column("status", _lazy("状态"), sort="status"),
        Column("score", _lazy("评审得分"), sort="score", shown_as="score"),
        Column("stage", _lazy("项目进度"), sort="stage"),
        Column("midterm_due", _lazy("中期检查截止"), export_only=True),
        Column("closing_due", _lazy("结题截止"), export_only=True),
    ],
    search_fields=["title", "direction"],
    default_sort="-call_id",
    filter_form=ApplicationFilterForm,
    detail_url="research:application_detail",
    export_name="research.application",
)


def _act(request: HttpRequest, target: str, action: Callable[[], Any], done: str) -> HttpResponse:
    try:
        action()
    except PermissionDeniedError:
        require(False)
    except ConflictError:
        messages.error(request, _("记录已被他人修改，请刷新后重试"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(target)


# --- calls -----------------------------------------------------------------------------------


@login_required
def call_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    calls = list(selectors.calls_for_list(request.user))
    return render(
        request,
        "research/call_list.html",
        {"calls": calls, "is_admin": rules.is_province_admin(request.user)},
    )


@login_required
def call_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    form = CallForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("发布课题申报通知"),
        success_message=_("课题申报通知已发布"),
        back_url=reverse("research:call_list"),
        save=lambda data: services.call_create(actor=_actor(request), **data),
    )


def _call(request: AuthenticatedHttpRequest, pk: int) -> ResearchCall:
    return access(ResearchCall.objects.visible_to(request.user), pk=pk)


@login_required
def call_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    call = _call(request, pk)
    user = request.user
    is_admin = rules.is_province_admin(user)
    mine = selectors.applications_for_list(user).filter(call=call, applicant_id=user.pk)
    context = {
        "call": call,
        "is_admin": is_admin,
        "can_apply": rules.can_apply(user, call),
        "mine": list(mine),
        "counts": selectors.call_counts(call) if is_admin else None,
    }
    return render(request, "research/call_detail.html", context)


@login_required
def call_decision(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The proposed list and the reason for each place; ranking, overrides, publication."""
    require(rules.is_province_admin(request.user))
    call = access(ResearchCall.objects.all(), pk=pk)
    rows = selectors.decision_rows(call) if call.ranked_at else []
    context = {
        "call": call,
        "rows": rows,
        "approved": sum(1 for r in rows if r.approved),
        "separate": sum(1 for r in rows if r.approved and r.proposed_pool == "separate"),
        "can_rank": call.status != CallStatus.PUBLISHED,
        "can_publish": call.status == CallStatus.REVIEW and call.ranked_at is not None,
    }
    return render(request, "research/decision.html", context)


@login_required
@require_POST
def call_rank(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    call = access(ResearchCall.objects.all(), pk=pk)
    return _act(
        request,
        reverse("research:call_decision", args=[pk]),
        lambda: services.call_rank(actor=_actor(request), call=call),
        _("建议名单已生成"),
    )


@login_required
@require_POST
def call_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    call = access(ResearchCall.objects.all(), pk=pk)
    return _act(
        request,
        reverse("research:call_decision", args=[pk]),
        lambda: services.call_publish(actor=_actor(request), call=call),
        _("立项结果已公布"),
    )


@login_required
def call_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """立项结果 .xlsx: the list with pools, places, reasons and overrides."""
    require(rules.is_province_admin(request.user))
    call = access(ResearchCall.objects.all(), pk=pk)
    workbook = documents.results_workbook(call, selectors.decision_rows(call), actor=request.user)
    return xlsx_response(workbook, f"{call.title}-立项结果.xlsx")


# --- applications ----------------------------------------------------------------------------


@login_required
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, APPLICATION_LIST)


@login_required
def application_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    call = _call(request, pk)
    require(rules.can_apply(request.user, call))
    form = ApplicationForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("申报课题：%(c)s") % {"c": call},
        success_message=_("申报书已保存为草稿，上传材料后请提交"),
        back_url=call.get_absolute_url(),
        save=lambda data: services.application_create(
            actor=_actor(request),
            call=call,
            title=data["title"],
            direction=data["direction"],
            plan=data["plan"],
            budget=data["budget"],
            team=data["team"],
        ),
    )


def _application(request: AuthenticatedHttpRequest, pk: int) -> ResearchApplication:
    return access(selectors.application_detail_qs(request.user), pk=pk)


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    user = request.user
    names = rules.sees_names(user, app)
    is_admin = rules.is_province_admin(user)
    my_review = ReviewAssignment.objects.filter(application=app, reviewer_id=user.pk).first()
    context = {
        "app": app,
        "names": names,
        "is_admin": is_admin,
        "team": list(app.team.select_related("user")) if names else [],
        "files": list(app.files.all()),
        "reviews": list(app.reviews.select_related("reviewer")) if is_admin else [],
        "my_review": my_review,
        "eligibility": selectors.eligibility_of(app) if names else None,
        "can_edit": rules.can_edit(user, app),
        "can_recommend": rules.can_recommend(user, app),
        "can_assign": rules.can_assign(user, app),
        "can_follow_up": rules.can_follow_up(user, app) and app.stage in ("approved", "midterm"),
        "can_notice": rules.can_download_notice(user, app),
        "can_override": is_admin
        and app.call.status == CallStatus.REVIEW
        and app.call.ranked_at is not None
        and app.status == AppStatus.RECOMMENDED,
    }
    return render(request, "research/application_detail.html", context)


@login_required
def application_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    require(rules.can_edit(request.user, app))
    team = "\n".join(m.user.username for m in app.team.select_related("user"))
    form = ApplicationForm(
        request.POST or None,
        initial={
            "title": app.title,
            "direction": app.direction,
            "plan": app.plan,
            "budget": app.budget,
            "team": team,
            "expected_version": app.version,
        },
    )
    return form_page(
        request,
        form=form,
        title=_("修改申报书：%(t)s") % {"t": app},
        success_message=_("申报书已保存"),
        back_url=app.get_absolute_url(),
        update=lambda data, version: services.application_update(
            actor=_actor(request),
            application=app,
            title=data["title"],
            direction=data["direction"],
            plan=data["plan"],
            budget=data["budget"],
            team=data["team"],
            expected_version=version,
        ),
    )


@login_required
@require_POST
def application_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    require(app.applicant_id == request.user.pk)
    return _act(
        request,
        app.get_absolute_url(),
        lambda: services.application_submit(actor=_actor(request), application=app),
        _("申报书已提交"),
    )


@login_required
def application_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    require(rules.can_edit(request.user, app))
    form = FileForm(request.POST or None, request.FILES or None)
    return form_page(
        request,
        form=form,
        title=_("上传申报材料：%(t)s") % {"t": app},
        success_message=_("材料已上传"),
        back_url=app.get_absolute_url(),
        save=lambda data: services.file_add(
            actor=_actor(request),
            application=app,
            upload=data["file"],
            purpose=FilePurpose.APPLICATION,
        ),
        redirect_to=lambda obj: app.get_absolute_url(),
    )


@login_required
def file_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    row = access(ApplicationFile.objects.select_related("application"), pk=pk)
    app = _application(request, row.application_id)
    # A blind reviewer gets the plan, not files that may carry names.
    require(rules.sees_names(request.user, app))
    return serve_upload(row.file, row.kind, row.name)


@login_required
def application_recommend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    require(rules.can_recommend(request.user, app))
    form = RecommendForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("单位推荐：%(t)s") % {"t": app},
        success_message=_("推荐意见已提交"),
        back_url=app.get_absolute_url(),
        save=lambda data: services.application_recommend(
            actor=_actor(request),
            application=app,
            recommend=data["decision"] == "recommend",
            reason=data["reason"],
        ),
    )


@login_required
def review_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    require(rules.can_assign(request.user, app))
    form = AssignForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("分配评审专家：%(t)s") % {"t": app},
        success_message=_("评审专家已分配"),
        back_url=app.get_absolute_url(),
        save=lambda data: services.review_assign(
            actor=_actor(request), application=app, reviewer=data["reviewer"]
        ),
        redirect_to=lambda obj: app.get_absolute_url(),
    )


@login_required
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "research/review_list.html", {"reviews": selectors.reviews_for(request.user)}
    )


@login_required
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    row = access(selectors.reviews_for(request.user), pk=pk)
    require(rules.can_review(request.user, row))
    rubric = row.application.call.rubric
    initial: dict[str, Any] = {"comment": row.comment}
    for i, item in enumerate(rubric):
        initial[f"item_{i}"] = row.scores.get(item["name"])
    form = ReviewForm(request.POST or None, rubric=rubric, initial=initial)
    return form_page(
        request,
        form=form,
        title=_("专家评审：%(t)s") % {"t": row.application},
        success_message=_("评分已提交"),
        back_url=reverse("research:review_list"),
        save=lambda data: services.review_submit(
            actor=_actor(request), review=row, scores=form.scores(), comment=data["comment"]
        ),
        redirect_to=lambda obj: reverse("research:review_list"),
        template="research/review.html",
        extra={"plan": row.application.plan},
    )


@login_required
def decision_override(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    app = _application(request, pk)
    form = OverrideForm(request.POST or None, initial={"approved": "0" if app.approved else "1"})
    form.fields["approved"].help_text = _("建议：%(r)s") % {"r": app.proposed_reason or "—"}
    back = reverse("research:call_decision", args=[app.call_id])
    return form_page(
        request,
        form=form,
        title=_("调整建议名单：%(t)s") % {"t": app},
        success_message=_("建议名单已调整"),
        back_url=back,
        save=lambda data: services.decision_override(
            actor=_actor(request),
            application=app,
            approved=data["approved"],
            reason=data["reason"],
        ),
        redirect_to=lambda obj: back,
    )


@login_required
def project_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    require(rules.can_follow_up(request.user, app))
    form = FollowUpForm(request.POST or None, request.FILES or None)
    step = _("中期检查") if app.stage == "approved" else _("结题")
    return form_page(
        request,
        form=form,
        title=_("提交%(s)s材料：%(t)s") % {"s": step, "t": app},
        success_message=_("%(s)s材料已提交") % {"s": step},
        back_url=app.get_absolute_url(),
        save=lambda data: services.project_report(
            actor=_actor(request), application=app, upload=data["file"]
        ),
    )


@login_required
def notice_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """立项通知 (.docx) of an approved project."""
    app = _application(request, pk)
    require(rules.can_download_notice(request.user, app))
    return serve_generated(documents.notice_docx(app), "docx", f"{app.title}-立项通知.docx")
