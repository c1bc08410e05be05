from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core import audit
from handinhand.core.dbrouter import reads_from_replica
from handinhand.core.exceptions import CONFLICT_MESSAGE, ConflictError, PermissionDeniedError
from handinhand.core.exports import xlsx_response
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.returns import latest_return
from handinhand.core.uploads import serve_generated, serve_upload
from handinhand.core.views_helpers import access, form_page, require, show_conflict
from handinhand.indicators import selectors, services, workflow
from handinhand.indicators.access import can_edit_frameworks, can_see_analytics
from handinhand.indicators.analytics import analytics
from handinhand.indicators.documents import report_card_docx as build
from handinhand.indicators.excel import COLUMNS, export_workbook, import_framework
from handinhand.indicators.forms import (
    CycleFilterForm,
    CycleForm,
    EvaluationFilterForm,
    FrameworkCopyForm,
    FrameworkFilterForm,
    FrameworkForm,
    FrameworkImportForm,
    IndicatorForm,
    ReturnForm,
    ScoreSheetForm,
)
from handinhand.indicators.models import (
    Evaluation,
    EvaluationCycle,
    EvidenceFile,
    Framework,
    Indicator,
)

FRAMEWORK_LIST = ListSpec(
    title=_lazy("指标体系"),
    queryset=selectors.frameworks_for_list,
    columns=[
        Column("__str__", _lazy("体系名称"), link=True),
        Column("edition", _lazy("版本"), sort="edition"),
        Column("status", _lazy("状态"), sort="status"),
        Column("total_score", _lazy("总分"), shown_as="score"),
        Column("indicator_count", _lazy("指标数")),
        Column("leaf_count", _lazy("三级指标数")),
        Column("published_at", _lazy("发布时间"), sort="published_at"),
    ],
    search_fields=["name", "edition"],
    default_sort="-created_at",
    filter_form=FrameworkFilterForm,
    detail_url="indicators:framework_detail",
    create_url="indicators:framework_create",
    can_create=services.can_edit_frameworks,
    export_name="indicators.framework",
)


@login_required
def framework_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, FRAMEWORK_LIST)


def _framework(request: AuthenticatedHttpRequest, pk: int) -> Framework:
    return access(Framework.objects.visible_to(request.user), pk=pk)


def _editable(request: AuthenticatedHttpRequest, pk: int) -> Framework:
    """A draft the user may edit; anything else answers 404."""
    framework = _framework(request, pk)
    require(can_edit_frameworks(request.user) and framework.is_draft)
    return framework


@login_required
def framework_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    framework = _framework(request, pk)
    can_edit = can_edit_frameworks(request.user)
    rows = selectors.framework_tree(framework)
    context = {
        "framework": framework,
        "rows": rows,
        "counts": [sum(1 for r in rows if r.indicator.level == lv) for lv in (1, 2, 3)],
        "policy_counts": get_policy().indicators.level_counts,
        "can_edit": can_edit and framework.is_draft,
        "can_copy": can_edit,
        "errors": services.framework_validate(framework) if framework.is_draft else [],
    }
    return render(request, "indicators/framework_detail.html", context)


@login_required
def framework_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_edit_frameworks(request.user))
    form = FrameworkForm(
        request.POST or None,
        initial={"total_score": get_policy().indicators.total_score},
    )
    return form_page(
        request,
        form=form,
        title=_("新建指标体系"),
        success_message=_("指标体系草稿已创建，可逐条添加指标或从 Excel 导入"),
        back_url=reverse("indicators:framework_list"),
        save=lambda data: services.framework_create(
            actor=request.user, **{k: v for k, v in data.items() if k != "expected_version"}
        ),
    )


@login_required
def framework_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    framework = _editable(request, pk)
    form = FrameworkForm(request.POST or None, instance=framework)

    return form_page(
        request,
        form=form,
        title=_("编辑指标体系：%(name)s") % {"name": framework},
        success_message=_("指标体系已保存"),
        back_url=framework.get_absolute_url(),
        update=lambda data, version: services.framework_update(
            actor=request.user, framework=framework, data=data, expected_version=version
        ),
    )


@login_required
@require_POST
def framework_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    framework = _editable(request, pk)
    try:
        version = int(request.POST.get("expected_version") or framework.version)
        services.framework_publish(
            actor=request.user, framework=framework, expected_version=version
        )
    except ConflictError:
        show_conflict(request)
    except ValidationError as exc:
        messages.error(
            request,
            _("发布失败：存在 %(n)d 处结构问题，请按下方提示修改。") % {"n": len(exc.messages)},
        )
    else:
        messages.success(request, _("指标体系已发布，此后不能再修改"))
    return redirect(framework.get_absolute_url())


@login_required
def framework_copy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    framework = _framework(request, pk)
    require(can_edit_frameworks(request.user))
    form = FrameworkCopyForm(request.POST or None, initial={"name": framework.name})
    return form_page(
        request,
        form=form,
        title=_("复制为新版本：%(name)s") % {"name": framework},
        success_message=_("已复制为新版本草稿"),
        back_url=framework.get_absolute_url(),
        save=lambda data: services.framework_copy(
            actor=request.user, framework=framework, edition=data["edition"], name=data["name"]
        ),
    )


@login_required
def framework_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    framework = _framework(request, pk)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        instance=framework,
        object_repr=str(framework),
    )
    return xlsx_response(export_workbook(framework), f"{framework.name}-{framework.edition}.xlsx")


@login_required
def framework_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    framework = _editable(request, pk)
    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload: UploadedFile[bytes] = form.cleaned_data["file"]
            result = import_framework(
                actor=request.user,
                framework=framework,
                data=upload.read(),
                filename=upload.name or "",
            )
            if result.ok:
                messages.success(request, _("导入成功：共 %(n)d 条指标") % {"n": result.created})
                return redirect(framework.get_absolute_url())
    context = {
        "framework": framework,
        "form": form,
        "result": result,
        "columns": COLUMNS,
        "max_file_mb": f"{get_policy().imports.max_file_mb:g}",
    }
    return render(request, "indicators/framework_import.html", context, status=status)


@login_required
def indicator_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    framework = _editable(request, pk)
    form = IndicatorForm(request.POST or None, framework=framework)
    return form_page(
        request,
        form=form,
        title=_("添加指标：%(name)s") % {"name": framework},
        success_message=_("指标已添加"),
        back_url=framework.get_absolute_url(),
        save=lambda data: services.indicator_create(
            actor=request.user,
            framework=framework,
            **{k: v for k, v in data.items() if k != "expected_version"},
        ),
        redirect_to=lambda obj: framework.get_absolute_url(),
    )


def _indicator(request: AuthenticatedHttpRequest, pk: int) -> Indicator:
    indicator = access(
        Indicator.objects.filter(
            framework__in=Framework.objects.visible_to(request.user)
        ).select_related("framework", "parent"),
        pk=pk,
    )
    require(can_edit_frameworks(request.user) and indicator.framework.is_draft)
    return indicator


@login_required
def indicator_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk)
    framework = indicator.framework
    form = IndicatorForm(request.POST or None, instance=indicator, framework=framework)

    def update(data: dict[str, Any], version: int | None) -> Indicator:
        if data.get("order") is None:  # left empty: keep the indicator where it is
            data.pop("order", None)
        return services.indicator_update(
            actor=request.user, indicator=indicator, data=data, expected_version=version
        )

    return form_page(
        request,
        form=form,
        title=_("编辑指标：%(code)s") % {"code": indicator.code},
        success_message=_("指标已保存"),
        back_url=framework.get_absolute_url(),
        update=update,
        redirect_to=lambda obj: framework.get_absolute_url(),
    )


@login_required
@require_POST
def indicator_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk)
    try:
        services.indicator_delete(actor=request.user, indicator=indicator)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("指标 %(code)s 已删除") % {"code": indicator.code})
    return redirect(indicator.framework.get_absolute_url())


# --- evaluation cycles ------------------------------------------------------------------------

CYCLE_LIST = ListSpec(
    title=_lazy("评估周期"),
    queryset=selectors.cycles_for_list,
    columns=[
        Column("name", _lazy("周期名称"), sort="name", link=True),
        Column("year", _lazy("年度"), sort="year"),
        Column("framework", _lazy("指标体系")),
        Column("scope", _lazy("范围")),
        Column("status", _lazy("状态"), sort="status"),
        Column("evaluation_count", _lazy("评估学校数"), sort="evaluation_count"),
    ],
    search_fields=["name"],
    default_sort="-year",
    filter_form=CycleFilterForm,
    detail_url="indicators:cycle_detail",
    create_url="indicators:cycle_create",
    can_create=services.can_edit_frameworks,
    export_name="indicators.cycle",
)


@login_required
def cycle_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, CYCLE_LIST)


@login_required
def cycle_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_edit_frameworks(request.user))
    form = CycleForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form=form,
        title=_("开启评估周期"),
        success_message=_("评估周期已开启，正在后台为各校生成评估"),
        back_url=reverse("indicators:cycle_list"),
        save=lambda data: services.cycle_open(actor=request.user, **data),
    )


def _cycle(request: AuthenticatedHttpRequest, pk: int) -> EvaluationCycle:
    return access(
        EvaluationCycle.objects.visible_to(request.user).select_related(
            "framework", "batch", "region", "job"
        ),
        pk=pk,
    )


@login_required
def cycle_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    context = {
        "cycle": cycle,
        "job": getattr(cycle, "job", None),
        "status_counts": selectors.cycle_status_counts(request.user, cycle),
    }
    return render(request, "indicators/cycle_detail.html", context)


@login_required
def cycle_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    return render(
        request,
        "indicators/cycle_detail.html#progress",
        {"cycle": cycle, "job": getattr(cycle, "job", None)},
    )


# --- evaluations ------------------------------------------------------------------------------

EVALUATION_LIST = ListSpec(
    title=_lazy("学校评估"),
    queryset=selectors.evaluations_for_list,
    columns=[
        Column("school.name", _lazy("学校"), sort="school__name", link=True),
        Column("school.county.parent.name", _lazy("设区市")),
        Column("school.county.name", _lazy("县（市、区）"), sort="school__county_id"),
        Column("cycle.name", _lazy("评估周期"), sort="cycle_id"),
        Column("status", _lazy("状态"), sort="status"),
        Column("self_total", _lazy("自评总分"), sort="self_total", shown_as="score"),
        Column("review_total", _lazy("审核总分"), sort="review_total", shown_as="score"),
    ],
    search_fields=["school__name"],
    default_sort="school__county_id",
    filter_form=EvaluationFilterForm,
    detail_url="indicators:evaluation_detail",
    export_name="indicators.evaluation",
)


@login_required
def evaluation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_list(request, EVALUATION_LIST)


@login_required
def evaluation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    evaluation = access(selectors.evaluation_qs(request.user), pk=pk)
    actions = workflow.allowed_actions(request.user, evaluation)
    names = {t.action for t in actions}
    context = {
        "evaluation": evaluation,
        "rows": selectors.evaluation_sheet(evaluation),
        "can_fill": bool(names & {"save_self", "submit"}),
        "can_review": bool(names & {"save_review", "pass"}),
        "moves": [t for t in actions if t.action in ("return", "confirm", "reopen")],
        "move_url": reverse("indicators:evaluation_move", args=[evaluation.pk]),
        "show_return": _return_is_current(evaluation),
    }
    return render(request, "indicators/evaluation_detail.html", context)


def _return_is_current(evaluation: Evaluation) -> bool:
    """The return reason still concerns someone: the school while returned, the reviewer after
    the leader's 退回重审 (a reason newer than the school's last submission)."""
    if not evaluation.return_reason or evaluation.status == "confirmed":
        return False
    if evaluation.status == "returned":
        return True
    last = latest_return(evaluation)
    submitted = evaluation.submitted_at
    return last is not None and (submitted is None or last.at > submitted)


def _store_chosen_files(
    request: AuthenticatedHttpRequest, evaluation: Evaluation, roles: set[Any]
) -> dict[str, list[str]]:
    """Files that came with a posted self-assessment are stored first, each on its own, so
    that a submit refused for its scores keeps them (issue 14); bad files answer per field."""
    errors: dict[str, list[str]] = {}
    for name, uploads in request.FILES.lists():
        if not name.startswith("evidence_") or not name[9:].isdigit():
            continue
        for upload in uploads:
            try:
                services.evidence_add(
                    actor=request.user,
                    evaluation=evaluation,
                    indicator_id=int(name[9:]),
                    upload=upload,
                    roles=roles,
                )
            except PermissionDeniedError:
                raise Http404 from None
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
    return errors


def _sheet_page(request: AuthenticatedHttpRequest, pk: int, mode: str) -> HttpResponse:
    evaluation = access(selectors.evaluation_qs(request.user), pk=pk)
    role = "school" if mode == "self" else "reviewer"
    # The user's roles to this evaluation, asked once per request and handed to the service.
    roles = workflow.actor_roles(request.user, evaluation)
    require(role in roles)
    editable = any(
        t.actor == role for t in workflow.allowed_actions(request.user, evaluation, roles)
    )
    file_errors: dict[str, list[str]] = {}
    if request.method == "POST" and mode == "self" and editable:
        file_errors = _store_chosen_files(request, evaluation, roles)
    leaves = services.evaluation_leaves(evaluation)
    initial: dict[str, Any] = {"expected_version": evaluation.version}
    for score in evaluation.scores.all():
        if mode == "self":
            initial[f"score_{score.indicator_id}"] = score.self_score
            initial[f"explanation_{score.indicator_id}"] = score.self_explanation
        else:
            initial[f"score_{score.indicator_id}"] = score.review_score
            initial[f"comment_{score.indicator_id}"] = score.review_comment
    form = ScoreSheetForm(
        request.POST or None,
        initial=initial,
        leaves=leaves,
        mode=mode,
    )
    if file_errors:
        form.is_valid()
        for name, errs in file_errors.items():
            for err in errs:
                form.add_error(name, err)
    final = request.POST.get("action") in ("submit", "pass")

    def save(data: dict[str, Any]) -> Evaluation:
        version = data.get("expected_version")
        if mode == "self":
            return services.evaluation_save_self(
                actor=request.user,
                evaluation=evaluation,
                entries=form.entries(),
                expected_version=version,
                submit=final,
                roles=roles,
            )
        return services.evaluation_review(
            actor=request.user,
            evaluation=evaluation,
            entries=form.entries(),
            expected_version=version,
            passed=final,
            roles=roles,
        )

    # Read after the files were stored, so that the page lists them.
    rows = selectors.evaluation_sheet(evaluation)
    sheet = [(row, _row_fields(form, row) if row.indicator.level == 3 else None) for row in rows]
    score_field = "self_score" if mode == "self" else "review_score"
    filled = sum(
        1 for row in rows if row.score is not None and getattr(row.score, score_field) is not None
    )
    if mode == "self":
        title = _("自评：%(school)s") % {"school": evaluation.school.name}
        done = _("自评已提交，等待指导员审核") if final else _("自评草稿已保存")
    else:
        title = _("审核：%(school)s") % {"school": evaluation.school.name}
        done = _("审核已通过，等待组长确认") if final else _("审核草稿已保存")
    return form_page(
        request,
        form=form,
        save=save,
        title=title,
        success_message=done,
        back_url=evaluation.get_absolute_url(),
        template="indicators/evaluation_sheet.html",
        redirect_to=lambda obj: evaluation.get_absolute_url(),
        extra={
            "evaluation": evaluation,
            "editable": editable,
            "sheet": sheet,
            "mode": mode,
            "step": f"{get_policy().indicators.score_step:g}",
            "filled": filled,
            "leaf_count": len(leaves),
            "autosave_url": reverse(f"indicators:evaluation_{mode}_autosave", args=[pk]),
            "upload_url": reverse("indicators:evidence_upload", args=[pk]),
        },
    )


def _row_fields(form: ScoreSheetForm, row: selectors.SheetRow) -> dict[str, Any]:
    pk = row.indicator.pk
    fields = {"score": form[f"score_{pk}"], "text": form[form.text_name(row.indicator)]}
    if form.mode == "self":
        fields["evidence"] = form[f"evidence_{pk}"]
    return fields


def _autosave(request: AuthenticatedHttpRequest, pk: int, mode: str) -> JsonResponse:
    """One cell typed on the sheet (the sheet's script posts it, or replays it from the
    phone's storage after a dropped connection): the new version, or 409 on a conflict."""
    evaluation = access(selectors.evaluation_qs(request.user), pk=pk)
    roles = workflow.actor_roles(request.user, evaluation)
    require(("school" if mode == "self" else "reviewer") in roles)
    name = request.POST.get("name", "")
    raw = request.POST.get("value", "")
    cell, _sep, tail = name.rpartition("_")
    text_cell = "explanation" if mode == "self" else "comment"
    if cell not in ("score", text_cell) or not tail.isdigit():
        return JsonResponse({"error": _("无效的字段")}, status=400)
    version_raw = request.POST.get("expected_version", "")
    if not version_raw.isdigit():
        return JsonResponse({"error": _("缺少版本号，请刷新页面")}, status=400)
    value: Decimal | str | None = raw
    if cell == "score":
        try:
            value = Decimal(raw.strip()) if raw.strip() else None
        except InvalidOperation:
            return JsonResponse({"error": _("请输入数字"), "field": name}, status=400)
        if value is not None and not value.is_finite():
            return JsonResponse({"error": _("请输入数字"), "field": name}, status=400)
    try:
        saved = services.evaluation_autosave(
            actor=request.user,
            evaluation=evaluation,
            mode=mode,
            indicator_id=int(tail),
            cell="score" if cell == "score" else "text",
            value=value,
            expected_version=int(version_raw),
            roles=roles,
        )
    except PermissionDeniedError:
        raise Http404 from None
    except ConflictError:
        return JsonResponse({"error": str(CONFLICT_MESSAGE), "conflict": True}, status=409)
    except ValidationError as exc:
        return JsonResponse({"error": "；".join(exc.messages), "field": name}, status=400)
    return JsonResponse({"version": saved.version, "status": saved.get_status_display()})


@login_required
@require_POST
def evaluation_self_autosave(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    return _autosave(request, pk, "self")


@login_required
@require_POST
def evaluation_review_autosave(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    return _autosave(request, pk, "review")


@login_required
@require_POST
def evidence_upload(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """One evidence file, stored as soon as the school chooses it on the sheet."""
    evaluation = access(selectors.evaluation_qs(request.user), pk=pk)
    roles = workflow.actor_roles(request.user, evaluation)
    require("school" in roles)
    indicator = request.POST.get("indicator", "")
    upload = request.FILES.get("file")
    if not indicator.isdigit() or upload is None:
        return JsonResponse({"error": _("请选择文件")}, status=400)
    try:
        item = services.evidence_add(
            actor=request.user,
            evaluation=evaluation,
            indicator_id=int(indicator),
            upload=upload,
            roles=roles,
        )
    except PermissionDeniedError:
        raise Http404 from None
    except ValidationError as exc:
        return JsonResponse({"error": "；".join(exc.messages)}, status=400)
    return JsonResponse(
        {
            "name": item.original_name,
            "url": reverse("indicators:evidence_download", args=[item.pk]),
        }
    )


@login_required
def evaluation_fill(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _sheet_page(request, pk, "self")


@login_required
def evaluation_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _sheet_page(request, pk, "review")


@login_required
@require_POST
def evaluation_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Return to the school, confirm, or reopen the review (buttons of the detail page)."""
    evaluation = access(selectors.evaluation_qs(request.user), pk=pk)
    roles = workflow.actor_roles(request.user, evaluation)
    require(bool(roles & {"reviewer", "confirmer"}))
    action = request.POST.get("action", "")
    require(action in ("return", "confirm", "reopen"))
    form = ReturnForm(request.POST)
    form.is_valid()
    try:
        services.evaluation_transition(
            actor=request.user,
            evaluation=evaluation,
            action=action,
            expected_version=form.cleaned_data.get("expected_version"),
            reason=form.cleaned_data.get("reason") or "",
            roles=roles,
        )
    except PermissionDeniedError:
        raise Http404 from None
    except ConflictError:
        show_conflict(request)
        return redirect(evaluation.get_absolute_url())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(evaluation.get_absolute_url())
    messages.success(request, _("已%(action)s") % {"action": workflow.TRANSITIONS[action].label})
    return redirect(evaluation.get_absolute_url())


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    item = access(
        EvidenceFile.objects.filter(evaluation__in=Evaluation.objects.visible_to(request.user)),
        pk=pk,
    )
    return serve_upload(item.file, item.kind, item.original_name)


@login_required
def report_card(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    evaluation = access(selectors.evaluation_qs(request.user), pk=pk)
    card = selectors.report_card(evaluation)
    radar = {
        "indicators": [{"name": r.title, "max": float(r.max_score)} for r in card.l1],
        "series": [
            {"name": _("本校"), "value": [float(r.score) for r in card.l1]},
            {
                "name": _("县区平均"),
                "value": [float(r.county) if r.county is not None else 0 for r in card.l1],
            },
            {
                "name": _("全省平均"),
                "value": [float(r.province) if r.province is not None else 0 for r in card.l1],
            },
        ],
    }
    return render(request, "indicators/report_card.html", {"card": card, "radar": radar})


@login_required
def report_card_docx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    evaluation = access(selectors.evaluation_qs(request.user), pk=pk)
    data = build(selectors.report_card(evaluation))
    audit.record(actor=request.user, action=AuditAction.EXPORT, instance=evaluation)
    name = f"{evaluation.school.name}-{evaluation.cycle.name}-评估报告.docx"
    return serve_generated(data, "docx", name)


@login_required
@reads_from_replica
def analytics_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_see_analytics(request.user))
    cycles = EvaluationCycle.objects.visible_to(request.user).select_related("framework")
    cycle = None
    wanted = request.GET.get("cycle")
    if wanted and wanted.isdigit():
        cycle = access(cycles, pk=int(wanted))
    else:
        cycle = cycles.order_by("-year", "-id").first()
    result = analytics(request.user, cycle) if cycle is not None else None
    if result is not None and request.GET.get("export") == "xlsx":
        workbook = Workbook()
        workbook.remove(workbook.active)
        for figure in result.figures:
            sheet = workbook.create_sheet(figure.title[:31])
            sheet.append(figure.columns)
            for row in figure.rows:
                sheet.append(row)
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="indicators.analytics",
            object_repr=_("评估分析：%(cycle)s") % {"cycle": cycle},
        )
        return xlsx_response(workbook, f"{cycle}-评估分析.xlsx")
    context = {
        "cycles": cycles.order_by("-year", "-id"),
        "cycle": cycle,
        "result": result,
        "charts": [{"key": f.key, **f.chart} for f in result.figures] if result else [],
    }
    return render(request, "indicators/analytics.html", context)
