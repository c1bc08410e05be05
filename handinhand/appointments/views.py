"""Pages of 遴选与聘任: the nomination sets (list, new, detail with submit / approve / return),
a nomination's form and its attachments, the letters (list, .docx download), and the roster
import. Every object is reached through its selector; out of scope answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.appointments import access, documents, imports, selectors, services
from handinhand.appointments.forms import (
    ConfirmForm,
    ImportForm,
    NominationForm,
    ReturnForm,
    SetFilterForm,
    SetForm,
    TermForm,
)
from handinhand.appointments.models import (
    AppointmentLetter,
    Nomination,
    NominationAttachment,
    NominationSet,
    NominationStatus,
    SetStatus,
)
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.uploads import serve_generated, serve_upload
from handinhand.core.views_helpers import access as get_or_404
from handinhand.core.views_helpers import form_page, require, require_business, show_conflict


def can_use(user: Any) -> bool:
    """The list of nominations: the province, bureaus and unit contacts."""
    from handinhand.core.scope import get_scope

    scope = get_scope(user)
    return scope.everything or bool(scope.staff_paths) or bool(scope.unit_ids)


SET_LIST = ListSpec(
    title=_lazy("党建指导员遴选与聘任"),
    queryset=selectors.sets_for_list,
    columns=[
        Column("group.name", _lazy("指导组"), sort="group__name", link=True),
        Column("unit.name", _lazy("推荐单位"), sort="unit__name"),
        Column("kind", _lazy("类别"), sort="kind"),
        Column("term_start", _lazy("任期开始"), sort="term_start"),
        Column("term_end", _lazy("任期结束"), sort="term_end"),
        Column("n_total", _lazy("人数"), sort="n_total"),
        Column("n_pending", _lazy("待审批"), sort="n_pending"),
        Column("n_returned", _lazy("已退回"), sort="n_returned"),
        Column("n_approved", _lazy("已批准"), sort="n_approved"),
        Column("status", _lazy("状态"), sort="status"),
    ],
    search_fields=["group__name", "unit__name", "nominations__user__full_name"],
    default_sort="-created_at",
    filter_form=SetFilterForm,
    detail_url="appointments:set_detail",
    export_name="appointments.nominations",
    template="appointments/set_list.html",
)


def _letter_label(letter: AppointmentLetter) -> str:
    return str(letter.content.get("name") or letter.content.get("group") or "")


LETTER_LIST = ListSpec(
    title=_lazy("聘书与任命通知"),
    queryset=selectors.letters_for,
    columns=[
        Column("number", _lazy("文号"), sort="number", link=True),
        Column("kind", _lazy("类别"), sort="kind"),
        Column("nomination_set.group.name", _lazy("指导组"), sort="nomination_set__group__name"),
        Column("who", _lazy("受聘人/名单")),
        Column("created_at", _lazy("印发时间"), sort="created_at"),
    ],
    search_fields=["number", "nomination_set__group__name", "user__full_name"],
    default_sort="-created_at",
    detail_url="appointments:letter_download",
    export_name="appointments.letters",
)


@login_required
def set_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    require(can_use(request.user))
    groups = access.nominatable_groups(request.user).order_by("name")
    return render_list(request, SET_LIST, {"nominatable": groups})


@login_required
def set_create(request: AuthenticatedHttpRequest, group_pk: int) -> HttpResponse:
    require_business(request)
    group = get_or_404(access.nominatable_groups(request.user), pk=group_pk)
    require(access.can_nominate(request.user, group))
    initial = {"kind": request.GET.get("kind")}
    form = SetForm(request.POST or None, user=request.user, group=group, initial=initial)
    return form_page(
        request,
        form=form,
        save=lambda d: services.set_create(actor=request.user, group=group, **d),
        title=_("发起推荐：%(group)s") % {"group": group},
        success_message=_("已发起推荐，请添加被推荐人选"),
        back_url=reverse("appointments:set_list"),
        redirect_to=lambda obj: reverse("appointments:set_detail", args=[obj.pk]),
    )


def _set(request: AuthenticatedHttpRequest, pk: int) -> NominationSet:
    return get_or_404(selectors.visible_sets(request.user), pk=pk)


def _nomination(request: AuthenticatedHttpRequest, pk: int) -> Nomination:
    return get_or_404(selectors.visible_nominations(request.user), pk=pk)


@login_required
def set_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_business(request)
    nomination_set = _set(request, pk)
    nominations = list(
        nomination_set.nominations.select_related("user", "returned_by", "decided_by", "replaces")
        .prefetch_related("attachments", "events__actor")
        .order_by("id")
    )
    live = [n for n in nominations if n.status != NominationStatus.WITHDRAWN]
    count, leaders, _names = services.composition(nomination_set.group, live)
    letters = selectors.letters_for(request.user).filter(nomination_set=nomination_set)
    return render(
        request,
        "appointments/set_detail.html",
        {
            "s": nomination_set,
            "nominations": nominations,
            "count": count,
            "leaders": leaders,
            "quota": services.quota(),
            "can_edit": access.can_edit_set(request.user, nomination_set),
            "can_approve": access.can_approve(request.user, nomination_set),
            "is_draft": nomination_set.status == SetStatus.DRAFT,
            "has_drafts": any(n.status == NominationStatus.DRAFT for n in nominations),
            "pending": sum(n.status == NominationStatus.PENDING for n in nominations),
            "warn": request.GET.get("warn", ""),
            "letters": letters,
            "issuer": services.issuer(nomination_set.group),
        },
    )


@login_required
def set_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_business(request)
    nomination_set = _set(request, pk)
    require(access.can_edit_set(request.user, nomination_set))
    initial = {
        "term_start": nomination_set.term_start,
        "term_end": nomination_set.term_end,
        "note": nomination_set.note,
        "expected_version": nomination_set.version,
    }
    form = TermForm(request.POST or None, initial=initial)
    back = reverse("appointments:set_detail", args=[pk])
    return form_page(
        request,
        form=form,
        update=lambda d, v: services.set_update(
            actor=request.user, nomination_set=nomination_set, data=d, expected_version=v
        ),
        title=_("修改任期"),
        success_message=_("已保存"),
        back_url=back,
        redirect_to=lambda obj: back,
    )


def _act(request: AuthenticatedHttpRequest, back: str, action: Any, done: str) -> HttpResponse:
    """Run a POST action; a refusal is shown on the page it came from, nothing written."""
    try:
        action()
    except services.BelowQuotaError as exc:
        messages.warning(request, "；".join(exc.messages))
        return redirect(f"{back}?warn=quota")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        show_conflict(request)
    except PermissionDeniedError:
        require(False)
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def set_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_business(request)
    nomination_set = _set(request, pk)
    require(access.can_edit_set(request.user, nomination_set))
    form = ConfirmForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return _act(
        request,
        reverse("appointments:set_detail", args=[pk]),
        lambda: services.set_submit(
            actor=request.user,
            nomination_set=nomination_set,
            confirm_below_quota=bool(data.get("confirm_below_quota")),
            expected_version=data.get("expected_version"),
        ),
        _("已报送审批"),
    )


@login_required
@require_POST
def set_approve_all(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_business(request)
    nomination_set = _set(request, pk)
    require(access.can_approve(request.user, nomination_set))
    confirm = request.POST.get("confirm_below_quota") in ("on", "true", "1")
    return _act(
        request,
        reverse("appointments:set_detail", args=[pk]),
        lambda: services.set_approve_all(
            actor=request.user, nomination_set=nomination_set, confirm_below_quota=confirm
        ),
        _("已全部批准，聘书与任命通知已生成"),
    )


@login_required
def nomination_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_business(request)
    nomination_set = _set(request, pk)
    require(access.can_edit_set(request.user, nomination_set))
    form = NominationForm(
        request.POST or None, request.FILES or None, nomination_set=nomination_set
    )
    back = reverse("appointments:set_detail", args=[pk])

    def save(data: dict[str, Any]) -> Nomination:
        data.pop("expected_version", None)
        files = data.pop("attachments", [])
        return services.nomination_add(
            actor=request.user, nomination_set=nomination_set, files=files, **data
        )

    return form_page(
        request,
        form=form,
        save=save,
        title=_("添加被推荐人选：%(group)s") % {"group": nomination_set.group},
        success_message=_("已添加"),
        back_url=back,
        redirect_to=lambda obj: back,
    )


@login_required
def nomination_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_business(request)
    nomination = _nomination(request, pk)
    require(access.can_edit_nomination(request.user, nomination))
    initial = {
        "role": nomination.role,
        "department": nomination.department,
        "title": nomination.title,
        "party_experience": nomination.party_experience,
        "replaces": nomination.replaces_id,
        "expected_version": nomination.version,
    }
    form = NominationForm(
        request.POST or None,
        request.FILES or None,
        nomination_set=nomination.nomination_set,
        editing=True,
        initial=initial,
    )
    back = reverse("appointments:set_detail", args=[nomination.nomination_set_id])

    def update(data: dict[str, Any], version: int | None) -> Nomination:
        files = data.pop("attachments", [])
        return services.nomination_update(
            actor=request.user,
            nomination=nomination,
            data=data,
            expected_version=version,
            files=files,
        )

    return form_page(
        request,
        form=form,
        update=update,
        title=_("修改提名：%(name)s") % {"name": nomination.user},
        success_message=_("已保存"),
        back_url=back,
        redirect_to=lambda obj: back,
        extra={"nomination": nomination},
    )


def _nomination_action(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    require_business(request)
    nomination = _nomination(request, pk)
    nomination_set = nomination.nomination_set
    back = reverse("appointments:set_detail", args=[nomination_set.pk])
    user = request.user
    version = None
    try:
        version = int(request.POST.get("expected_version") or 0) or None
    except ValueError:
        version = None
    if name in ("approve", "return"):
        require(access.can_approve(user, nomination_set))
    else:
        require(access.can_edit_set(user, nomination_set))
    if name == "approve":
        confirm = request.POST.get("confirm_below_quota") in ("on", "true", "1")
        return _act(
            request,
            back,
            lambda: services.nomination_approve(
                actor=user,
                nomination=nomination,
                confirm_below_quota=confirm,
                expected_version=version,
            ),
            _("已批准“%(name)s”，聘书已生成") % {"name": nomination.user},
        )
    if name == "return":
        form = ReturnForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("退回须填写原因"))
            return redirect(back)
        return _act(
            request,
            back,
            lambda: services.nomination_return(
                actor=user,
                nomination=nomination,
                reason=form.cleaned_data["reason"],
                expected_version=version,
            ),
            _("已退回“%(name)s”") % {"name": nomination.user},
        )
    if name == "resubmit":
        return _act(
            request,
            back,
            lambda: services.nomination_resubmit(
                actor=user, nomination=nomination, expected_version=version
            ),
            _("已重新报送"),
        )
    if name == "withdraw":
        return _act(
            request,
            back,
            lambda: services.nomination_withdraw(actor=user, nomination=nomination),
            _("已撤回"),
        )
    return _act(
        request,
        back,
        lambda: services.nomination_remove(actor=user, nomination=nomination),
        _("已删除"),
    )


@login_required
@require_POST
def nomination_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _nomination_action(request, pk, "approve")


@login_required
@require_POST
def nomination_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _nomination_action(request, pk, "return")


@login_required
@require_POST
def nomination_resubmit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _nomination_action(request, pk, "resubmit")


@login_required
@require_POST
def nomination_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _nomination_action(request, pk, "withdraw")


@login_required
@require_POST
def nomination_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _nomination_action(request, pk, "remove")


@login_required
def attachment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    require_business(request)
    item = get_or_404(
        NominationAttachment.objects.filter(
            nomination__in=selectors.visible_nominations(request.user)
        ),
        pk=pk,
    )
    return serve_upload(item.file, item.kind, item.name)


@login_required
def letter_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, LETTER_LIST)


@login_required
def letter_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_business(request)
    letter = get_or_404(selectors.letters_for(request.user), pk=pk)
    services.letter_received(actor=request.user, letter=letter)
    return serve_generated(documents.letter_docx(letter), "docx", documents.letter_filename(letter))


@login_required
def roster_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    require(imports.can_import(request.user))
    return serve_generated(imports.build_template(), "xlsx", "指导组成员名册导入模板.xlsx")


@login_required
def roster_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    require(imports.can_import(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = imports.import_roster(
            actor=request.user, data=upload.read(), filename=upload.name or ""
        )
        if result.ok:
            messages.success(
                request,
                _("导入完成：新增成员 %(c)s 人，更新 %(u)s 人，新建账号 %(a)s 个")
                % {"c": result.created, "u": result.updated, "a": result.accounts},
            )
            return redirect("appointments:roster_import")
    status = 400 if result is not None and not result.ok else 200
    return render(
        request, "appointments/import.html", {"form": form, "result": result}, status=status
    )
