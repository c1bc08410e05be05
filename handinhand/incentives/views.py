from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from handinhand.accounts.models import User
from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.listing import Column, ListSpec, render_list
from handinhand.core.request_context import request_ip
from handinhand.core.uploads import serve_upload
from handinhand.core.views_helpers import access, form_page, require, require_business
from handinhand.incentives import access as rules
from handinhand.incentives import selectors, services
from handinhand.incentives.forms import (
    AnswerForm,
    AssessmentFilterForm,
    ConfirmForm,
    CorrectForm,
    ObjectionForm,
    OpenYearForm,
    PriorityFilterForm,
    ProposeForm,
    ReasonForm,
    RecordForm,
    SummaryForm,
    VerifyForm,
)
from handinhand.incentives.models import (
    Assessment,
    AssessmentStatus,
    AssessmentYear,
    Letter,
    LetterJob,
    Objection,
    YearStatus,
)


def _actor(request: HttpRequest) -> User:
    """The signed-in person (every view here is behind login_required)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VERIFY_LIMIT = 10  # attempts per address per window
VERIFY_WINDOW = 600  # seconds

ASSESSMENT_LIST = ListSpec(
    title=_lazy("指导员考核"),
    queryset=selectors.assessments_for_list,
    columns=[
        Column("user.full_name", _lazy("姓名"), sort="user__full_name", link=True),
        Column("year.year", _lazy("年度"), sort="year__year"),
        Column("group.name", _lazy("指导组"), sort="group_id"),
        Column("unit", _lazy("所在单位"), sort="unit__name"),
        Column("months", _lazy("任职月数"), sort="months"),
        Column("status", _lazy("状态"), sort="status"),
        Column("proposed_grade", _lazy("组长建议等次"), export_only=True),
        Column("grade_label", _lazy("考核等次"), sort="grade"),
        Column("grade_reason", _lazy("等次说明"), export_only=True),
        Column("exempt_reason", _lazy("不参加考核原因"), export_only=True),
    ],
    search_fields=["user__full_name", "group__name", "unit__name"],
    default_sort="-year__year",
    filter_form=AssessmentFilterForm,
    detail_url="incentives:assessment_detail",
    export_name="incentives.assessment",
)

PRIORITY_LIST = ListSpec(
    title=_lazy("优先考虑事项"),
    queryset=selectors.priorities_for_list,
    columns=[
        Column("user.full_name", _lazy("姓名"), sort="user__full_name"),
        Column("unit", _lazy("所在单位"), sort="unit__name"),
        Column("assessment.year.year", _lazy("考核年度"), sort="assessment__year__year"),
        Column("area", _lazy("优先事项"), sort="area"),
        Column("valid_until", _lazy("有效期至"), sort="valid_until"),
        Column("status", _lazy("落实情况"), sort="status"),
        Column("application_note", _lazy("落实说明")),
        Column("recorded_at", _lazy("登记时间"), export_only=True),
    ],
    search_fields=["user__full_name", "unit__name"],
    default_sort="-valid_from",
    filter_form=PriorityFilterForm,
    detail_url="incentives:priority_record",
    export_name="incentives.priority",
)


@login_required
def assessment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, ASSESSMENT_LIST)


@login_required
def priority_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    return render_list(request, PRIORITY_LIST)


@login_required
def year_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_business(request)
    years = list(selectors.years_for_list(request.user))
    return render(
        request,
        "incentives/year_list.html",
        {"years": years, "can_open": rules.is_province_admin(request.user)},
    )


@login_required
def year_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    form = OpenYearForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("开启考核年度"),
        success_message=_("考核年度已开启"),
        back_url=reverse("incentives:year_list"),
        save=lambda data: services.year_open(actor=_actor(request), year=data["year"]),
    )


def _year(request: AuthenticatedHttpRequest, pk: int) -> AssessmentYear:
    require(rules.is_province_admin(request.user))
    return access(AssessmentYear.objects.all(), pk=pk)


@login_required
def year_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    counts = dict(year.assessments.order_by().values_list("status").annotate(n=Count("pk")))
    context = {
        "year": year,
        "counts": [(label, counts.get(value, 0)) for value, label in AssessmentStatus.choices],
        "jobs": LetterJob.objects.filter(params__year=year.pk)[:5],
        "open_objections": Objection.objects.filter(
            assessment__year=year, answered_at__isnull=True
        ).count(),
    }
    return render(request, "incentives/year_detail.html", context)


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


@login_required
@require_POST
def year_publicise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    return _act(
        request,
        year.get_absolute_url(),
        lambda: services.year_publicise(actor=_actor(request), year=year),
        _("已发起公示"),
    )


@login_required
@require_POST
def year_finalise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    return _act(
        request,
        year.get_absolute_url(),
        lambda: services.year_finalise(actor=_actor(request), year=year),
        _("考核结果已公布，优先考虑事项已生成"),
    )


@login_required
@require_POST
def year_refresh(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    return _act(
        request,
        year.get_absolute_url(),
        lambda: services.year_refresh_evidence(actor=_actor(request), year=year),
        _("履职数据已更新"),
    )


@login_required
@require_POST
def year_letters(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    try:
        job = services.letters_start(actor=_actor(request), year=year)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(year.get_absolute_url())
    return redirect("incentives:job_detail", pk=job.pk)


@login_required
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    job = access(LetterJob.objects.select_related("created_by"), pk=pk)
    template = "incentives/job_detail.html"
    if getattr(request, "htmx", False):
        template += "#progress"
    return render(request, template, {"job": job})


@login_required
def year_publicity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    year = access(AssessmentYear.objects.visible_to(request.user), pk=pk)
    rows = selectors.publicity_rows(request.user, year)
    require(rows is not None)
    return render(
        request,
        "incentives/publicity.html",
        {"year": year, "rows": rows, "is_admin": rules.is_province_admin(request.user)},
    )


def _assessment(request: AuthenticatedHttpRequest, pk: int) -> Assessment:
    return access(selectors.assessment_detail_qs(request.user), pk=pk)


@login_required
def assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    user = request.user
    editable = a.year.status == YearStatus.OPEN
    letter = Letter.objects.filter(assessment=a).first()
    context = {
        "a": a,
        "evidence": selectors.evidence_for_page(a),
        "can_summarise": editable
        and rules.can_summarise(user, a)
        and a.status == AssessmentStatus.PENDING,
        "can_propose": editable
        and rules.can_propose(user, a)
        and a.status == AssessmentStatus.SUBMITTED,
        "can_confirm": editable
        and rules.is_province_admin(user)
        and a.status == AssessmentStatus.PROPOSED,
        "can_return": editable
        and rules.can_return(user, a)
        and a.status
        in (AssessmentStatus.SUBMITTED, AssessmentStatus.PROPOSED, AssessmentStatus.CONFIRMED),
        "can_correct": a.year.is_final
        and rules.is_province_admin(user)
        and a.status == AssessmentStatus.CONFIRMED,
        "objections": a.objections.select_related("raised_by", "answered_by"),
        "corrections": a.corrections.select_related("corrected_by"),
        "priorities": a.priorities.all(),
        "letter": letter,
        "is_admin": rules.is_province_admin(user),
    }
    return render(request, "incentives/assessment_detail.html", context)


@login_required
def assessment_summary(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    require(rules.can_summarise(request.user, a))
    form = SummaryForm(
        request.POST or None,
        initial={"self_summary": a.self_summary, "expected_version": a.version},
    )
    return form_page(
        request,
        form=form,
        title=_("个人述职：%(y)s年度") % {"y": a.year.year},
        success_message=_("个人述职已保存"),
        back_url=a.get_absolute_url(),
        update=lambda data, version: services.assessment_summarise(
            actor=_actor(request),
            assessment=a,
            text=data["self_summary"],
            submit=data["submit"],
            expected_version=version,
        ),
    )


@login_required
def assessment_propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    require(rules.can_propose(request.user, a))
    form = ProposeForm(
        request.POST or None,
        initial={
            "grade": a.proposed_grade,
            "comment": a.proposal_comment,
            "expected_version": a.version,
        },
    )
    return form_page(
        request,
        form=form,
        title=_("建议等次：%(name)s") % {"name": a.user},
        success_message=_("建议等次已提交省级确认"),
        back_url=a.get_absolute_url(),
        update=lambda data, version: services.assessment_propose(
            actor=_actor(request),
            assessment=a,
            grade=data["grade"],
            comment=data["comment"],
            expected_version=version,
        ),
    )


@login_required
def assessment_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    require(rules.is_province_admin(request.user))
    participants, allowed, used = services.top_grade_room(a.year, a.group_id)
    form = ConfirmForm(
        request.POST or None, initial={"grade": a.proposed_grade, "expected_version": a.version}
    )
    form.fields["grade"].help_text = _(
        "“优秀”名额：参加考核 %(n)s 人，最多 %(k)s 人，已确认 %(u)s 人"
    ) % {"n": participants, "k": allowed, "u": used}
    return form_page(
        request,
        form=form,
        title=_("确认等次：%(name)s") % {"name": a.user},
        success_message=_("考核等次已确认"),
        back_url=a.get_absolute_url(),
        extra={"confirm": _("确认后考核等次生效，此后只能退回或通过更正修改。")},
        update=lambda data, version: services.assessment_confirm(
            actor=_actor(request),
            assessment=a,
            grade=data["grade"],
            reason=data["reason"],
            expected_version=version,
        ),
    )


@login_required
def assessment_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    require(rules.can_return(request.user, a))
    form = ReasonForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("退回：%(name)s") % {"name": a.user},
        success_message=_("已退回"),
        back_url=a.get_absolute_url(),
        save=lambda data: services.assessment_return(
            actor=_actor(request), assessment=a, reason=data["reason"]
        ),
    )


@login_required
def assessment_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    require(rules.is_province_admin(request.user))
    form = CorrectForm(request.POST or None, initial={"grade": a.grade})
    return form_page(
        request,
        form=form,
        title=_("更正考核结果：%(name)s") % {"name": a.user},
        success_message=_("考核结果已更正"),
        back_url=a.get_absolute_url(),
        save=lambda data: services.assessment_correct(
            actor=_actor(request), assessment=a, grade=data["grade"], reason=data["reason"]
        ),
    )


@login_required
def objection_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    a = access(Assessment.objects.select_related("year", "user"), pk=pk)
    require(
        a.status == AssessmentStatus.CONFIRMED and rules.can_see_publicity(request.user, a.year)
    )
    form = ObjectionForm(request.POST or None)
    back = reverse("incentives:year_publicity", args=[a.year_id])
    return form_page(
        request,
        form=form,
        title=_("对 %(name)s 的考核结果提出异议") % {"name": a.user},
        success_message=_("异议已提交，省委教育工委将予以答复"),
        back_url=back,
        save=lambda data: services.objection_raise(
            actor=_actor(request), assessment=a, text=data["text"]
        ),
        redirect_to=lambda obj: back,
    )


@login_required
def objection_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    objection = access(Objection.objects.select_related("assessment__user"), pk=pk)
    form = AnswerForm(request.POST or None)
    form.fields["answer"].help_text = _("异议内容：%(text)s") % {"text": objection.text}
    back = objection.assessment.get_absolute_url()
    return form_page(
        request,
        form=form,
        title=_("答复异议：%(name)s") % {"name": objection.assessment.user},
        success_message=_("异议已答复"),
        back_url=back,
        save=lambda data: services.objection_answer(
            actor=_actor(request), objection=objection, answer=data["answer"]
        ),
        redirect_to=lambda obj: back,
    )


@login_required
def letter_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    a = _assessment(request, pk)
    letter = access(Letter.objects.select_related("assessment__year"), assessment=a)
    if not letter.file:
        services.letter_write(letter)
        letter.refresh_from_db()
    return serve_upload(letter.file, "docx", f"{a.user}{a.year.year}年度考核结果通知书.docx")


@login_required
def priority_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    priority = access(selectors.priorities_for_list(request.user), pk=pk)
    require(rules.can_record(request.user, priority))
    form = RecordForm(
        request.POST or None,
        initial={"note": priority.application_note, "expected_version": priority.version},
    )
    return form_page(
        request,
        form=form,
        title=_("登记落实情况：%(who)s · %(area)s") % {"who": priority.user, "area": priority.area},
        success_message=_("落实情况已登记"),
        back_url=reverse("incentives:priority_list"),
        update=lambda data, version: services.priority_record(
            actor=_actor(request),
            priority=priority,
            applied=data["applied"],
            note=data["note"],
            expected_version=version,
        ),
        redirect_to=lambda obj: reverse("incentives:priority_list"),
    )


@login_required
def unit_counts(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(rules.is_province_admin(request.user))
    rows = selectors.unit_honoured_counts(request.user)
    return render(request, "incentives/unit_counts.html", {"rows": rows})


@login_required
def my_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    assessments, priorities = selectors.my_history(request.user)
    return render(
        request,
        "incentives/my_history.html",
        {"assessments": assessments, "priorities": priorities},
    )


def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone holding a letter checks it. Only name, year, grade and areas are shown;
    a missing letter and a wrong code get the same answer; attempts are rate-limited."""
    form = VerifyForm(request.GET or None)
    result = None
    limited = False
    if form.is_bound and form.is_valid():
        key = f"incentives:verify:{request_ip.get() or request.META.get('REMOTE_ADDR', '')}"
        cache.add(key, 0, VERIFY_WINDOW)
        attempts = cache.incr(key)
        if attempts > VERIFY_LIMIT:
            limited = True
        else:
            result = selectors.verify_letter(form.cleaned_data["number"], form.cleaned_data["code"])
    status = 429 if limited else 200
    return render(
        request,
        "incentives/verify.html",
        {"form": form, "result": result, "limited": limited},
        status=status,
    )
