"""Writes of meetings: plan, update, mark held, attendance and sign-in, files, action items,
to-dos. Every one is audited; edits of a meeting or an action item are optimistically locked.

Who may write: whoever manages the host group (programme.access.can_manage_group) — the
province admin, the group's leader or deputy, a city/county bureau for its region's groups.
Attendees: current members of the host group only. A joint meeting (联席会议) gathers the
member units through their people in the group, so the group's membership list is the roll; a
person outside it is refused rather than silently added.
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
from handinhand.meetings.models import (
    ActionItem,
    Attendance,
    Meeting,
    MeetingFile,
    MeetingStatus,
    Todo,
    TodoKind,
)
from handinhand.programme.access import can_manage_group
from handinhand.programme.models import GuidanceGroup, Membership

MEETING_FIELDS = ("kind", "title", "date", "start_time", "place", "chair", "agenda", "minutes")


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


def meeting_plan(*, actor: User, group: GuidanceGroup, **fields: Any) -> Meeting:
    """Plan a meeting ahead (status planned)."""
    _require_manage(actor, group)
    _only(fields, MEETING_FIELDS)
    _check_chair(group.pk, fields.get("chair"))
    meeting = Meeting(group=group, status=MeetingStatus.PLANNED, **fields)
    return create_object(actor=actor, instance=meeting)


def meeting_update(
    *, actor: User, meeting: Meeting, data: dict[str, Any], expected_version: int | None
) -> Meeting:
    _require_manage(actor, meeting.group)
    _only(data, (*MEETING_FIELDS, "status"))
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
    new = [Attendance(meeting=meeting, user=u) for u in users if u.pk not in existing]
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
    """Sign an attendee in (or undo it). An attendee signs themselves in; a manager of the
    group may sign anyone of the roll in."""
    if actor.pk != user.pk:
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


def attendance_remove(*, actor: User, attendance: Attendance) -> None:
    _require_manage(actor, attendance.meeting.group)
    delete_object(actor=actor, instance=attendance)


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
