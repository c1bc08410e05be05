"""Writes of meetings: plan, update, mark held, attendance and sign-in, files, action items,
to-dos. Every one is audited; edits of a meeting or an action item are optimistically locked.

Who may write: whoever manages the host group (programme.access.can_manage_group) — the
province admin, the group's leader or deputy, a city/county bureau for its region's groups.
Attendees (`attendance_set`): current members of the host group. Invitations (`meeting_invite`,
issue 11) reach further: the members of other groups, department staff and named guests, each
an account within the organiser's scope (selectors.invitable_users) or a guest's name and unit;
anyone else is refused, naming them, and nothing is written. Invitees sign in on their phone
with the short-lived code of the QR shown at the meeting (`checkin_by_code`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.services import create_object, delete_object, update_object
from handinhand.core.uploads import check_upload
from handinhand.meetings import checkin, tokens
from handinhand.meetings.models import (
    ActionItem,
    Attendance,
    CalendarToken,
    InviteeKind,
    Meeting,
    MeetingFile,
    MeetingStatus,
    Todo,
    TodoKind,
)
from handinhand.meetings.selectors import invitable_groups, invitable_users
from handinhand.programme.access import can_manage_group, is_province_admin
from handinhand.programme.models import GuidanceGroup, Membership

MEETING_FIELDS = (
    "kind",
    "title",
    "date",
    "start_time",
    "place",
    "chair",
    "agenda",
    "minutes",
    "milestone",
)


def _require_manage(actor: User, group: GuidanceGroup) -> None:
    if not can_manage_group(actor, group):
        raise PermissionDeniedError(_("您无权管理该指导组的会议"))


def _only(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")


def _check_chair(group_id: int, chair: Any) -> None:
    if chair is not None and not _members(group_id, [chair.pk]):
        raise ValidationError({"chair": _("主持人必须是主办指导组的在任成员")})


def _members(group_id: int, user_ids: list[int]) -> set[int]:
    return set(
        Membership.objects.current()
        .filter(group_id=group_id, user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )


def _check_milestone(actor: User, old: str, new: str) -> None:
    # A milestone is a fact of the province's rollout: only the province records or clears it.
    if (old or "") != (new or "") and not is_province_admin(actor):
        raise ValidationError({"milestone": _("只有省委教育工委可以标记工作节点")})


def meeting_plan(*, actor: User, group: GuidanceGroup, **fields: Any) -> Meeting:
    """Plan a meeting ahead (status planned)."""
    _require_manage(actor, group)
    _only(fields, MEETING_FIELDS)
    _check_milestone(actor, "", fields.get("milestone", ""))
    _check_chair(group.pk, fields.get("chair"))
    meeting = Meeting(group=group, status=MeetingStatus.PLANNED, **fields)
    return create_object(actor=actor, instance=meeting)


def meeting_update(
    *, actor: User, meeting: Meeting, data: dict[str, Any], expected_version: int | None
) -> Meeting:
    _require_manage(actor, meeting.group)
    _only(data, (*MEETING_FIELDS, "status"))
    if "milestone" in data:
        _check_milestone(actor, meeting.milestone, data["milestone"])
    if "chair" in data:
        _check_chair(meeting.group_id, data["chair"])
    return update_object(
        actor=actor, instance=meeting, data=data, expected_version=expected_version
    )


def meeting_mark_held(
    *, actor: User, meeting: Meeting, minutes: str = "", expected_version: int | None
) -> Meeting:
    """Record that the meeting took place (its date must not be in the future)."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": _("已取消的会议不能标记为已召开")})
    data: dict[str, Any] = {"status": MeetingStatus.HELD}
    if minutes:
        data["minutes"] = minutes
    return meeting_update(
        actor=actor, meeting=meeting, data=data, expected_version=expected_version
    )


def meeting_cancel(*, actor: User, meeting: Meeting, expected_version: int | None) -> Meeting:
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError({"status": _("已召开的会议不能取消")})
    return meeting_update(
        actor=actor,
        meeting=meeting,
        data={"status": MeetingStatus.CANCELLED},
        expected_version=expected_version,
    )


# --- attendance -------------------------------------------------------------------------------


def attendance_set(*, actor: User, meeting: Meeting, users: list[Any]) -> int:
    """Add attendees to the meeting's roll; every one must be a current member of the host
    group, else nothing is added. Returns how many were added."""
    _require_manage(actor, meeting.group)
    ids = [u.pk for u in users]
    outsiders = [u for u in users if u.pk not in _members(meeting.group_id, ids)]
    if outsiders:
        names = "、".join(str(u) for u in outsiders)
        raise ValidationError(
            {"users": _("以下人员不是主办指导组的在任成员：%(names)s") % {"names": names}}
        )
    existing = set(
        Attendance.objects.filter(meeting=meeting, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    new = [
        Attendance(meeting=meeting, user=u, group_id=meeting.group_id)
        for u in users
        if u.pk not in existing
    ]
    with transaction.atomic():
        Attendance.objects.bulk_create(new)
        audit.record_many(
            actor=actor,
            action=AuditAction.CREATE,
            items=[
                (a, {"meeting": [None, str(meeting)], "user": [None, str(a.user)]}) for a in new
            ],
        )
    return len(new)


def attendance_sign_in(
    *, actor: User, meeting: Meeting, user: User, signed_in: bool = True
) -> Attendance:
    """Sign an attendee in (or undo it): a manager of the group signs anyone of the roll in.
    Others sign themselves in only on site, by the meeting's rotating code (checkin_by_code):
    a button on the meeting page would let anyone "attend" from anywhere, any day. They may
    still undo their own sign-in."""
    if actor.pk != user.pk or (signed_in and not can_manage_group(actor, meeting.group)):
        if actor.pk == user.pk:
            raise PermissionDeniedError(_("请在会场扫描签到二维码签到"))
        _require_manage(actor, meeting.group)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("会议已取消"))
    attendance = Attendance.objects.filter(meeting=meeting, user=user).first()
    if attendance is None:
        raise ValidationError({"user": _("该人员不在参会名单中")})
    return update_object(
        actor=actor,
        instance=attendance,
        data={"signed_in": signed_in, "signed_in_at": timezone.now() if signed_in else None},
        expected_version=None,
    )


def attendance_mark(*, actor: User, attendance: Attendance, signed_in: bool = True) -> Attendance:
    """The organiser marks an invitee present (or not): a guest without an account, or anyone
    who could not scan the code."""
    _require_manage(actor, attendance.meeting.group)
    if attendance.meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("会议已取消"))
    if attendance.signed_in == signed_in:
        return attendance
    return update_object(
        actor=actor,
        instance=attendance,
        data={"signed_in": signed_in, "signed_in_at": timezone.now() if signed_in else None},
        expected_version=None,
    )


def attendance_remove(*, actor: User, attendance: Attendance) -> None:
    _require_manage(actor, attendance.meeting.group)
    delete_object(actor=actor, instance=attendance)


# --- invitations (issue 11) ---------------------------------------------------------------------

GUEST_NAME_MAX, GUEST_UNIT_MAX = 50, 100


def meeting_invite(
    *,
    actor: User,
    meeting: Meeting,
    groups: list[GuidanceGroup] | tuple[()] = (),
    users: list[User] | tuple[()] = (),
    guests: list[tuple[str, str]] | tuple[()] = (),
) -> int:
    """Invite the current members of `groups`, the accounts `users` (group members, department
    staff, guests with an account) and named guests `(name, unit)`. Every group and account must
    be within the organiser's scope; one that is not refuses the whole list, counting them
    without naming them (an id typed into the form must not reveal who it is). Those
    already invited are skipped. Returns how many invitations were added."""
    _require_manage(actor, meeting.group)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("会议已取消，不能再邀请"))
    errors: dict[str, list[str]] = {}
    visible_groups = set(
        invitable_groups(actor).filter(pk__in=[g.pk for g in groups]).values_list("pk", flat=True)
    )
    far_groups = [g for g in groups if g.pk not in visible_groups]
    if far_groups:
        errors["groups"] = [
            _("有 %(n)s 个指导组不在您的工作范围内，不能邀请") % {"n": len(far_groups)}
        ]
    reachable = invitable_users(actor, [u.pk for u in users])
    far_users = [u for u in users if u.pk not in reachable]
    if far_users:
        errors["users"] = [_("有 %(n)s 名人员不在您的工作范围内，不能邀请") % {"n": len(far_users)}]
    clean_guests: list[tuple[str, str]] = []
    for number, (name, unit) in enumerate(guests, start=1):
        name, unit = (name or "").strip(), (unit or "").strip()
        if not name:
            errors.setdefault("guests", []).append(_("第%(n)s位嘉宾：请填写姓名") % {"n": number})
        elif len(name) > GUEST_NAME_MAX or len(unit) > GUEST_UNIT_MAX:
            errors.setdefault("guests", []).append(
                _("第%(n)s位嘉宾：姓名不超过%(a)s字，单位不超过%(b)s字")
                % {"n": number, "a": GUEST_NAME_MAX, "b": GUEST_UNIT_MAX}
            )
        else:
            clean_guests.append((name, unit))
    if errors:
        raise ValidationError(errors)

    rows: dict[int, Attendance] = {}
    for member_group, member_id in (
        Membership.objects.current()
        .filter(group__in=groups, user__is_active=True)
        .order_by("group_id", "role", "user_id")
        .values_list("group_id", "user_id")
    ):
        rows.setdefault(
            member_id,
            Attendance(
                meeting=meeting, user_id=member_id, kind=InviteeKind.MEMBER, group_id=member_group
            ),
        )
    for user in users:
        kind, via = reachable[user.pk]
        rows.setdefault(user.pk, Attendance(meeting=meeting, user=user, kind=kind, group_id=via))
    with transaction.atomic():
        # Lock the meeting: two organisers inviting at once add each person once.
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        taken_users = set(
            Attendance.objects.filter(meeting=meeting, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )
        taken_guests = set(
            Attendance.objects.filter(meeting=meeting, user__isnull=True).values_list(
                "guest_name", "guest_unit"
            )
        )
        new = [a for uid, a in rows.items() if uid not in taken_users]
        new += [
            Attendance(meeting=meeting, kind=InviteeKind.GUEST, guest_name=n, guest_unit=u)
            for n, u in dict.fromkeys(clean_guests)
            if (n, u) not in taken_guests
        ]
        Attendance.objects.bulk_create(new)
        audit.record_many(
            actor=actor,
            action=AuditAction.CREATE,
            items=[
                (
                    a,
                    {
                        "meeting": [None, str(meeting)],
                        "invitee": [None, a.guest_name or str(a.user_id)],
                        "kind": [None, a.kind],
                        "unit": [None, a.guest_unit],
                    },
                )
                for a in new
            ],
        )
    return len(new)


NOT_INVITED = "not_invited"


def checkin_check(*, actor: User, meeting: Meeting, code: str) -> Attendance:
    """What signing in with `code` would meet, without writing: the code, the meeting, the
    invitation. Raises a ValidationError in Chinese; returns the invitee's attendance."""
    checkin.verify(meeting.pk, code)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("会议已取消"), code="cancelled")
    attendance = Attendance.objects.filter(meeting=meeting, user_id=actor.pk).first()
    if attendance is None:
        raise ValidationError(
            _("您不在本次会议的邀请名单中，不能签到。如需参会，请联系会议组织者。"),
            code=NOT_INVITED,
        )
    return attendance


def checkin_by_code(*, actor: User, meeting: Meeting, code: str) -> tuple[Attendance, bool]:
    """Sign oneself in with the code of the QR shown at the meeting. Refused with a message when
    the code is not this meeting's, has expired (sign-in from elsewhere) or the person was not
    invited. Signing in twice changes nothing. Returns (attendance, newly signed in)."""
    attendance = checkin_check(actor=actor, meeting=meeting, code=code)
    if attendance.signed_in:
        return attendance, False
    attendance = update_object(
        actor=actor,
        instance=attendance,
        data={"signed_in": True, "signed_in_at": timezone.now()},
        expected_version=None,
    )
    return attendance, True


# --- the private calendar link (issue 14) ---------------------------------------------------------


def calendar_token_for(*, actor: User) -> tuple[CalendarToken, str]:
    """The user's live calendar token, created on first use; returns the row and the token."""
    live = CalendarToken.objects.live().filter(user=actor).first()
    if live is not None:
        raw = tokens.raw_token(live.user_id, live.nonce)
        if tokens.digest(raw) == live.digest:
            return live, raw
        # The server's key was rotated: the link made from it no longer opens the feed, so
        # the page must not show it as live; a new one replaces it.
        return _calendar_token_new(actor, revoke=True)
    return _calendar_token_new(actor, revoke=False)


def calendar_token_reset(*, actor: User) -> tuple[CalendarToken, str]:
    """Revoke the user's link (a calendar subscribed with it stops updating) and make a new one."""
    return _calendar_token_new(actor, revoke=True)


def _calendar_token_new(actor: User, *, revoke: bool) -> tuple[CalendarToken, str]:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("请先登录"))
    with transaction.atomic():
        # Serialise one user's requests: the constraint allows one live token.
        list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
        live = CalendarToken.objects.live().filter(user=actor).first()
        if live is not None and not revoke:
            return live, tokens.raw_token(live.user_id, live.nonce)
        if live is not None:
            live.revoked_at = timezone.now()
            live.save(update_fields=["revoked_at", "updated_at"])
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=live,
                changes={"revoked_at": [None, live.revoked_at.isoformat()]},
            )
        nonce = tokens.new_nonce()
        raw = tokens.raw_token(actor.pk, nonce)
        token = CalendarToken.objects.create(user=actor, nonce=nonce, digest=tokens.digest(raw))
        # The audit names the owner only: neither the nonce nor the digest belongs in the log.
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=token,
            changes={"user": [None, str(actor)]},
        )
    return token, raw


# --- files ----------------------------------------------------------------------------------


def meeting_file_add(*, actor: User, meeting: Meeting, upload: UploadedFile[bytes]) -> MeetingFile:
    """Attach a file: an allowed type and at most the policy's upload size."""
    _require_manage(actor, meeting.group)
    name = Path(upload.name or "").name
    kind = check_upload(upload, module="meetings")
    item = MeetingFile(
        meeting=meeting, name=name[:150], kind=kind, size=upload.size or 0, uploaded_by=actor
    )
    with transaction.atomic():
        item.file.save(name, upload, save=False)
        item.full_clean()
        item.save(force_insert=True)
        # The audit keeps the file's name and size; a FileField is no JSON value.
        audit.record(
            actor=actor, action=AuditAction.CREATE, instance=item, changes=_file_facts(item)
        )
    return item


def _file_facts(item: MeetingFile) -> dict[str, list[Any]]:
    return {
        "meeting": [None, str(item.meeting)],
        "name": [None, item.name],
        "size": [None, item.size],
        "file": [None, item.file.name],
    }


def meeting_file_delete(*, actor: User, item: MeetingFile) -> None:
    _require_manage(actor, item.meeting.group)
    stored = item.file
    with transaction.atomic():
        changes = {k: [v[1], None] for k, v in _file_facts(item).items()}
        object_id, object_repr = str(item.pk), str(item)
        item.delete()
        audit.record(
            actor=actor,
            action=AuditAction.DELETE,
            object_type=MeetingFile._meta.label_lower,
            object_id=object_id,
            object_repr=object_repr,
            changes=changes,
        )
        transaction.on_commit(lambda: stored.delete(save=False))


# --- action items and to-dos --------------------------------------------------------------------


def _action_todo_key(item: ActionItem) -> str:
    return f"action:{item.pk}"


def action_item_create(
    *, actor: User, meeting: Meeting, text: str, owner: Any, due: Any
) -> ActionItem:
    """A decision of the meeting becomes an action item and a to-do of its owner."""
    _require_manage(actor, meeting.group)
    if not _members(meeting.group_id, [owner.pk]):
        raise ValidationError({"owner": _("责任人必须是主办指导组的在任成员")})
    with transaction.atomic():
        item = create_object(
            actor=actor, instance=ActionItem(meeting=meeting, text=text, owner=owner, due=due)
        )
        todos_create(
            actor=actor,
            todos=[
                Todo(
                    user=owner,
                    kind=TodoKind.ACTION_ITEM,
                    text=text[:300],
                    link=meeting.get_absolute_url(),
                    due=due,
                    source_key=_action_todo_key(item),
                )
            ],
        )
    return item


def action_item_update(
    *, actor: User, item: ActionItem, data: dict[str, Any], expected_version: int | None
) -> ActionItem:
    """Edit or complete an action item: the group's managers, or its owner to mark it done."""
    own_done_only = set(data) <= {"done"} and actor.pk == item.owner_id
    if not own_done_only:
        _require_manage(actor, item.meeting.group)
    _only(data, ("text", "owner", "due", "done"))
    if "owner" in data and not _members(item.meeting.group_id, [data["owner"].pk]):
        raise ValidationError({"owner": _("责任人必须是主办指导组的在任成员")})
    if "done" in data:
        data = {**data, "done_at": timezone.now() if data["done"] else None}
    with transaction.atomic():
        item = update_object(
            actor=actor, instance=item, data=data, expected_version=expected_version
        )
        if item.done:
            _close_todos(
                actor, item.owner_id, [_action_todo_key(item), f"action_overdue:{item.pk}"]
            )
    return item


def todos_create(*, actor: User | None, todos: list[Todo]) -> list[Todo]:
    """Create the to-dos whose (user, source key) does not exist yet; audited; idempotent."""
    if not todos:
        return []
    users = {t.user_id for t in todos}
    keys = {t.source_key for t in todos}
    existing = set(
        Todo.objects.filter(user_id__in=users, source_key__in=keys).values_list(
            "user_id", "source_key"
        )
    )
    seen: set[tuple[int, str]] = set()
    new = []
    for todo in todos:
        ident = (todo.user_id, todo.source_key)
        if ident not in existing and ident not in seen:
            seen.add(ident)
            new.append(todo)
    with transaction.atomic():
        # A concurrent run may have inserted the same key meanwhile: the constraint decides.
        Todo.objects.bulk_create(new, ignore_conflicts=True)
        saved = [
            t
            for t in Todo.objects.filter(
                user_id__in={t.user_id for t in new}, source_key__in={t.source_key for t in new}
            )
            if (t.user_id, t.source_key) in seen
        ]
        audit.record_many(
            actor=actor,
            action=AuditAction.CREATE,
            items=[(t, {"text": [None, t.text], "user": [None, t.user_id]}) for t in saved],
        )
    return saved


def _close_todos(actor: User, user_id: int, keys: list[str]) -> None:
    for todo in Todo.objects.filter(user_id=user_id, source_key__in=keys, done=False):
        update_object(
            actor=actor,
            instance=todo,
            data={"done": True, "done_at": timezone.now()},
            expected_version=None,
        )


def todo_set_done(*, actor: User, todo: Todo, done: bool = True) -> Todo:
    if todo.user_id != actor.pk:
        raise PermissionDeniedError(_("只能处理自己的待办事项"))
    return update_object(
        actor=actor,
        instance=todo,
        data={"done": done, "done_at": timezone.now() if done else None},
        expected_version=None,
    )
