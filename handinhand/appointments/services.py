"""Every write of 遴选与聘任: nominate, submit, return, correct and resubmit, approve (which
creates the membership through programme's services and issues the letters), withdraw.

Each write runs in one transaction, records its audit event (through core.services) and a line
in the nomination's own history; a stale form conflicts (VersionedModel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.appointments import access
from handinhand.appointments.models import (
    AppointmentLetter,
    LetterKind,
    Nomination,
    NominationAttachment,
    NominationEvent,
    NominationSet,
    NominationStatus,
    SetKind,
    SetStatus,
)
from handinhand.core import audit
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.services import create_object, delete_object, update_object
from handinhand.core.uploads import check_upload
from handinhand.orgs.models import Unit
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership
from handinhand.programme.services import membership_create, membership_update


class BelowQuotaError(ValidationError):
    """The group would stay below the policy's instructors per group: allowed only when the
    person confirms it (a warning, not a refusal)."""


def quota() -> int:
    return get_policy().groups.instructors_per_group


def _event(nomination: Nomination, actor: User, action: str, note: str = "") -> None:
    NominationEvent.objects.create(nomination=nomination, actor=actor, action=action, note=note)


def _require_edit(actor: User, nomination_set: NominationSet) -> None:
    if not access.can_edit_set(actor, nomination_set):
        raise PermissionDeniedError(_("您无权为该指导组推荐人选"))


def _require_approve(actor: User, nomination_set: NominationSet) -> None:
    if not access.can_approve(actor, nomination_set):
        raise PermissionDeniedError(_("您无权审批该推荐"))


# --- the set --------------------------------------------------------------------------------


def set_create(
    *,
    actor: User,
    group: GuidanceGroup,
    unit: Unit,
    kind: str,
    term_start: dt.date,
    term_end: dt.date,
    note: str = "",
) -> NominationSet:
    if not access.nominating_units(actor, group).filter(pk=unit.pk).exists():
        raise PermissionDeniedError(_("您无权以该单位名义为该指导组推荐人选"))
    if not group.is_active:
        raise ValidationError({"group": _("该指导组已停止运行")})
    return create_object(
        actor=actor,
        instance=NominationSet(
            group=group,
            unit=unit,
            kind=kind,
            term_start=term_start,
            term_end=term_end,
            note=note,
            created_by=actor,
        ),
    )


def set_update(
    *,
    actor: User,
    nomination_set: NominationSet,
    data: dict[str, Any],
    expected_version: int | None,
) -> NominationSet:
    _require_edit(actor, nomination_set)
    if nomination_set.status != SetStatus.DRAFT:
        raise ValidationError(_("推荐名单已报送，不能再修改任期"))
    allowed = {k: v for k, v in data.items() if k in ("term_start", "term_end", "note")}
    return update_object(
        actor=actor, instance=nomination_set, data=allowed, expected_version=expected_version
    )


def composition(
    group: GuidanceGroup, nominations: Iterable[Nomination]
) -> tuple[int, list[str], list[str]]:
    """The group as it would be with `nominations` approved: its number of members, and the
    names of its leaders (staying members first)."""
    nominations = list(nominations)
    leave = {n.replaces_id for n in nominations if n.replaces_id} | {
        n.membership_id for n in nominations if n.membership_id
    }
    staying = (
        Membership.objects.filter(group=group, is_active=True)
        .exclude(pk__in=leave)
        .select_related("user")
    )
    leaders = [str(m.user) for m in staying if m.role == MemberRole.LEADER]
    leaders += [str(n.user) for n in nominations if n.role == MemberRole.LEADER]
    names = [str(m.user) for m in staying] + [str(n.user) for n in nominations]
    return len(names), leaders, names


def _check_leaders(leaders: list[str], *, need_one: bool) -> None:
    if len(leaders) > 1:
        raise ValidationError(
            _("一个指导组只能有一名组长，按本次推荐将有 %(n)s 名：%(names)s")
            % {"n": len(leaders), "names": "、".join(leaders)},
            code="two_leaders",
        )
    if need_one and not leaders:
        raise ValidationError(_("指导组须有一名组长，请推荐组长人选"), code="no_leader")


def _below_quota_message(count: int) -> str:
    return _(
        "按本次推荐，该指导组共 %(count)s 人，少于每组 %(quota)s 名党建指导员的要求。"
        "确认仍要继续，请勾选“确认人数不足仍继续”。"
    ) % {"count": count, "quota": quota()}


def set_submit(
    *,
    actor: User,
    nomination_set: NominationSet,
    confirm_below_quota: bool = False,
    expected_version: int | None = None,
) -> NominationSet:
    """报送: every draft nomination goes to the approver. Two leaders are refused; fewer than
    the quota is a warning the nominator must confirm."""
    _require_edit(actor, nomination_set)
    with transaction.atomic():
        locked = NominationSet.objects.select_for_update().get(pk=nomination_set.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(str(locked))
        drafts = list(locked.nominations.filter(status=NominationStatus.DRAFT))
        if not drafts:
            raise ValidationError(_("推荐名单中没有待报送的人选"))
        live = list(
            locked.nominations.exclude(
                status__in=[NominationStatus.WITHDRAWN, NominationStatus.RETURNED]
            ).select_related("user")
        )
        count, leaders, _names = composition(locked.group, live)
        _check_leaders(leaders, need_one=True)
        if count < quota() and not confirm_below_quota:
            raise BelowQuotaError(_below_quota_message(count), code="below_quota")
        for n in drafts:
            update_object(
                actor=actor,
                instance=n,
                data={"status": NominationStatus.PENDING},
                expected_version=None,
            )
            _event(n, actor, _("报送"))
        return update_object(
            actor=actor,
            instance=locked,
            data={
                "status": SetStatus.SUBMITTED,
                "submitted_at": timezone.now(),
                "below_quota_confirmed": count < quota(),
            },
            expected_version=None,
        )


# --- nominations ----------------------------------------------------------------------------


NOMINATION_FIELDS = ("role", "department", "title", "party_experience", "replaces")


def _check_candidate(
    nomination_set: NominationSet, user: User, replaces: Membership | None
) -> None:
    errors: dict[str, list[str]] = {}
    if user.unit_id != nomination_set.unit_id:
        errors["user"] = [
            # Not naming the account: its id may have been typed in by someone who cannot see it.
            _("该人员不是推荐单位“%(unit)s”的人员，只能推荐本单位人员")
            % {"unit": nomination_set.unit}
        ]
    kind = nomination_set.kind
    group = nomination_set.group
    if kind == SetKind.INITIAL and replaces is not None:
        errors["replaces"] = [_("组建遴选不接替原任职")]
    if kind != SetKind.INITIAL:
        if replaces is None and kind == SetKind.RENEWAL:
            errors["replaces"] = [_("续聘须选择本人的原任职")]
        elif replaces is not None and (replaces.group_id != group.pk or not replaces.is_active):
            errors["replaces"] = [_("所选原任职不是本指导组的在任成员")]
        elif kind == SetKind.RENEWAL and replaces is not None and replaces.user_id != user.pk:
            errors["replaces"] = [_("续聘只能续本人的原任职")]
        elif kind == SetKind.REPLACEMENT and replaces is not None and replaces.user_id == user.pk:
            errors["replaces"] = [_("接替人不能是原任人员本人，续任请使用续聘")]
    current = Membership.objects.filter(group=group, user=user, is_active=True)
    if replaces is not None:
        current = current.exclude(pk=replaces.pk)
    if current.exists():
        errors.setdefault("user", []).append(_("“%(name)s”已是本指导组的在任成员") % {"name": user})
    if errors:
        raise ValidationError(errors)


def _attach(actor: User, nomination: Nomination, files: Iterable[UploadedFile[Any]]) -> None:
    names = []
    for upload in files:
        kind = check_upload(upload, module="appointments", field="attachments")
        attachment = NominationAttachment(
            nomination=nomination,
            kind=kind,
            name=(upload.name or "附件")[:200],
            uploaded_by=actor,
        )
        attachment.file.save(upload.name or "attachment", upload, save=False)
        attachment.save()
        names.append(attachment.name)
    if names:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=nomination,
            changes={"attachments_added": [None, names]},
        )


def nomination_add(
    *,
    actor: User,
    nomination_set: NominationSet,
    user: User,
    role: str,
    department: str,
    title: str,
    party_experience: str,
    replaces: Membership | None = None,
    files: Iterable[UploadedFile[Any]] = (),
) -> Nomination:
    _require_edit(actor, nomination_set)
    if nomination_set.status == SetStatus.SETTLED:
        raise ValidationError(_("该推荐已办结，请另行发起推荐"))
    _check_candidate(nomination_set, user, replaces)
    files = list(files)
    for upload in files:  # every file checked before anything is written
        check_upload(upload, module="appointments", field="attachments")
    with transaction.atomic():
        nomination = create_object(
            actor=actor,
            instance=Nomination(
                nomination_set=nomination_set,
                user=user,
                role=role,
                department=department,
                title=title,
                party_experience=party_experience,
                replaces=replaces,
                # Added to a set already submitted (after a return, say): it waits to be sent.
                status=NominationStatus.DRAFT,
            ),
        )
        _attach(actor, nomination, files)
        _event(nomination, actor, _("提名"))
    return nomination


def nomination_update(
    *,
    actor: User,
    nomination: Nomination,
    data: dict[str, Any],
    expected_version: int | None,
    files: Iterable[UploadedFile[Any]] = (),
) -> Nomination:
    """Correct a draft or a returned nomination (the candidate stays; another is a new one)."""
    nomination_set = nomination.nomination_set
    _require_edit(actor, nomination_set)
    if nomination.status not in (NominationStatus.DRAFT, NominationStatus.RETURNED):
        raise ValidationError(_("只有草稿或被退回的提名可以修改"))
    data = {k: v for k, v in data.items() if k in NOMINATION_FIELDS}
    _check_candidate(nomination_set, nomination.user, data.get("replaces", nomination.replaces))
    files = list(files)
    for upload in files:
        check_upload(upload, module="appointments", field="attachments")
    with transaction.atomic():
        nomination = update_object(
            actor=actor, instance=nomination, data=data, expected_version=expected_version
        )
        _attach(actor, nomination, files)
        _event(nomination, actor, _("修改"))
    return nomination


def nomination_remove(*, actor: User, nomination: Nomination) -> None:
    _require_edit(actor, nomination.nomination_set)
    if nomination.status != NominationStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的提名可以删除，已报送的请撤回"))
    with transaction.atomic():
        for attachment in nomination.attachments.all():
            attachment.file.delete(save=False)
        delete_object(actor=actor, instance=nomination)


def nomination_resubmit(
    *, actor: User, nomination: Nomination, expected_version: int | None = None
) -> Nomination:
    """A returned nomination, corrected, goes back to the approver."""
    nomination_set = nomination.nomination_set
    _require_edit(actor, nomination_set)
    if nomination.status != NominationStatus.RETURNED:
        raise ValidationError(_("只有被退回的提名可以重新报送"))
    live = list(
        nomination_set.nominations.exclude(status=NominationStatus.WITHDRAWN).select_related("user")
    )
    _count, leaders, _names = composition(nomination_set.group, live)
    _check_leaders(leaders, need_one=False)
    with transaction.atomic():
        nomination = update_object(
            actor=actor,
            instance=nomination,
            data={"status": NominationStatus.PENDING},
            expected_version=expected_version,
        )
        _event(nomination, actor, _("重新报送"))
    return nomination


def nomination_withdraw(*, actor: User, nomination: Nomination) -> Nomination:
    _require_edit(actor, nomination.nomination_set)
    if nomination.status not in (NominationStatus.PENDING, NominationStatus.RETURNED):
        raise ValidationError(_("只有待审批或被退回的提名可以撤回"))
    with transaction.atomic():
        nomination = update_object(
            actor=actor,
            instance=nomination,
            data={"status": NominationStatus.WITHDRAWN},
            expected_version=None,
        )
        _event(nomination, actor, _("撤回"))
        _settle(actor, nomination.nomination_set)
    return nomination


# --- the approver ---------------------------------------------------------------------------


def nomination_return(
    *, actor: User, nomination: Nomination, reason: str, expected_version: int | None = None
) -> Nomination:
    _require_approve(actor, nomination.nomination_set)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回须填写原因")})
    if nomination.status != NominationStatus.PENDING:
        raise ValidationError(_("只有待审批的提名可以退回"))
    with transaction.atomic():
        nomination = update_object(
            actor=actor,
            instance=nomination,
            data={
                "status": NominationStatus.RETURNED,
                "return_reason": reason,
                "returned_by": actor,
                "returned_at": timezone.now(),
            },
            expected_version=expected_version,
        )
        _event(nomination, actor, _("退回"), reason)
    return nomination


def _end_membership(actor: User, old: Membership, new_start: dt.date) -> None:
    """The member leaves (replacement) or their term goes on under a new one (renewal): the
    old membership ends the day before the new term starts."""
    data: dict[str, Any] = {"is_active": False}
    last_day = new_start - dt.timedelta(days=1)
    if last_day > old.term_start and (old.term_end is None or last_day < old.term_end):
        data["term_end"] = last_day
    membership_update(actor=actor, membership=old, data=data, expected_version=None)


def nomination_approve(
    *,
    actor: User,
    nomination: Nomination,
    confirm_below_quota: bool = False,
    expected_version: int | None = None,
) -> Nomination:
    """批准: the membership is created with the set's term (the replaced one ended), the
    person's letter issued, and once nothing is left open in the set, the group's notice."""
    nomination_set = nomination.nomination_set
    _require_approve(actor, nomination_set)
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(str(locked))
        if locked.status != NominationStatus.PENDING:
            raise ValidationError(_("只有待审批的提名可以批准"))
        group = nomination_set.group
        approved = list(
            nomination_set.nominations.filter(status=NominationStatus.APPROVED).select_related(
                "user"
            )
        )
        count, leaders, _names = composition(group, [*approved, locked])
        _check_leaders(leaders, need_one=False)
        others_pending = (
            nomination_set.nominations.filter(status=NominationStatus.PENDING)
            .exclude(pk=locked.pk)
            .exists()
        )
        if not others_pending and count < quota() and not confirm_below_quota:
            raise BelowQuotaError(_below_quota_message(count), code="below_quota")
        if locked.replaces_id:
            replaced = Membership.objects.get(pk=locked.replaces_id)
            if not replaced.is_active:
                raise ValidationError(_("原任职已结束，请退回由推荐单位重新确认"))
            _end_membership(actor, replaced, nomination_set.term_start)
        try:
            membership = membership_create(
                actor=actor,
                group=group,
                user=locked.user,
                role=locked.role,
                term_start=nomination_set.term_start,
                term_end=nomination_set.term_end,
            )
        except ValidationError as exc:
            raise ValidationError(
                _("无法聘任“%(name)s”：%(why)s")
                % {"name": locked.user, "why": "；".join(exc.messages)}
            ) from exc
        locked = update_object(
            actor=actor,
            instance=locked,
            data={
                "status": NominationStatus.APPROVED,
                "decided_by": actor,
                "decided_at": timezone.now(),
                "membership": membership,
            },
            expected_version=None,
        )
        _event(locked, actor, _("批准"))
        issue_person_letter(actor, locked)
        _settle(actor, nomination_set)
    return locked


def set_approve_all(
    *, actor: User, nomination_set: NominationSet, confirm_below_quota: bool = False
) -> int:
    """批准全部: every pending nomination of the set, in one transaction (a refusal of one,
    or the quota warning at the last, leaves all of them pending)."""
    _require_approve(actor, nomination_set)
    with transaction.atomic():
        pending = list(
            nomination_set.nominations.filter(status=NominationStatus.PENDING).order_by("pk")
        )
        if not pending:
            raise ValidationError(_("没有待审批的提名"))
        # The leader first, so that a set replacing its leader never has two for a moment.
        pending.sort(key=lambda n: n.role != MemberRole.LEADER)
        for n in pending:
            nomination_approve(actor=actor, nomination=n, confirm_below_quota=confirm_below_quota)
    return len(pending)


def _settle(actor: User, nomination_set: NominationSet) -> None:
    """Once nothing in the set waits for anyone, the set is closed and, if anyone was
    appointed, the group's notice (任命通知) issued."""
    open_statuses = [NominationStatus.DRAFT, NominationStatus.PENDING, NominationStatus.RETURNED]
    if nomination_set.nominations.filter(status__in=open_statuses).exists():
        return
    nomination_set.refresh_from_db()
    if nomination_set.status == SetStatus.SETTLED:
        return
    update_object(
        actor=actor,
        instance=nomination_set,
        data={"status": SetStatus.SETTLED},
        expected_version=None,
    )
    if nomination_set.nominations.filter(status=NominationStatus.APPROVED).exists():
        issue_group_letter(actor, nomination_set)


# --- letters --------------------------------------------------------------------------------


def issuer(group: GuidanceGroup) -> str:
    """Who signs: the approver (see access.py)."""
    if group.level == GroupLevel.COUNTY and group.region.parent is not None:
        return f"{group.region.parent.name}教育局"
    return "中共江西省委教育工委"


def _base_number(nomination_set: NominationSet) -> str:
    if nomination_set.letter_serial is None:
        year = timezone.localdate().year
        last = (
            NominationSet.objects.filter(letter_year=year).aggregate(m=Max("letter_serial"))["m"]
            or 0
        )
        NominationSet.objects.filter(pk=nomination_set.pk).update(
            letter_year=year, letter_serial=last + 1
        )
        nomination_set.refresh_from_db()
    return letter_number(nomination_set.letter_year or 0, nomination_set.letter_serial or 0)


def letter_number(year: int, serial: int) -> str:
    prefix = get_policy().appointments.letter_number_prefix
    return f"{prefix}〔{year}〕{serial}号"


def _day(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def person_letter_content(nomination: Nomination, day: dt.date | None = None) -> dict[str, Any]:
    """What a person's 聘书 says, fixed when it is issued."""
    nomination_set = nomination.nomination_set
    group = nomination_set.group
    user = nomination.user
    return {
        "name": user.full_name or user.username,
        "unit": str(nomination_set.unit),
        "department": nomination.department,
        "title": nomination.title,
        "group": group.name,
        "role": nomination.role,
        "kind": nomination_set.kind,
        "term_start": _day(nomination_set.term_start),
        "term_end": _day(nomination_set.term_end),
        "issuer": issuer(group),
        "date": _day(day or timezone.localdate()),
    }


def group_letter_content(
    nomination_set: NominationSet, day: dt.date | None = None
) -> dict[str, Any]:
    """What a group's 任命通知 says: every member in office when it is issued."""
    group = nomination_set.group
    members = Membership.objects.filter(group=group, is_active=True).select_related(
        "user", "user__unit"
    )
    order = {role: i for i, role in enumerate(MemberRole.values)}
    rows = sorted(
        (
            {
                "name": m.user.full_name or m.user.username,
                "unit": str(m.user.unit or m.user.work_unit or ""),
                "title": m.user.title,
                "role": m.role,
                "term": f"{_day(m.term_start)}至{_day(m.term_end) or '—'}",
            }
            for m in members
        ),
        key=lambda r: (order.get(r["role"], 9), r["name"]),
    )
    return {
        "group": group.name,
        "kind": nomination_set.kind,
        "term_start": _day(nomination_set.term_start),
        "term_end": _day(nomination_set.term_end),
        "issuer": issuer(group),
        "date": _day(day or timezone.localdate()),
        "members": rows,
    }


def issue_person_letter(actor: User, nomination: Nomination) -> AppointmentLetter:
    nomination_set = nomination.nomination_set
    base = _base_number(nomination_set)
    sequence = nomination_set.letters.filter(kind=LetterKind.PERSON).count() + 1
    return create_object(
        actor=actor,
        instance=AppointmentLetter(
            kind=LetterKind.PERSON,
            nomination_set=nomination_set,
            nomination=nomination,
            user=nomination.user,
            number=f"{base}-{sequence:02d}",
            content=person_letter_content(nomination),
        ),
    )


def issue_group_letter(actor: User, nomination_set: NominationSet) -> AppointmentLetter:
    return create_object(
        actor=actor,
        instance=AppointmentLetter(
            kind=LetterKind.GROUP,
            nomination_set=nomination_set,
            number=_base_number(nomination_set),
            content=group_letter_content(nomination_set),
        ),
    )


def letter_received(*, actor: User, letter: AppointmentLetter) -> None:
    """The person downloaded their own letter: it leaves their inbox."""
    if letter.user_id == actor.pk and letter.received_at is None:
        AppointmentLetter.objects.filter(pk=letter.pk).update(received_at=timezone.now())
