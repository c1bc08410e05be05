"""The meeting work owed to a person (待办): the meetings a led group still owes this period
(the compliance calendar's rule), and the decisions (决定事项) assigned to the person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, IntegerField, QuerySet, Value
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core.inbox import WorkItem, WorkSource, register_work
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.meetings.calendar import period_of
from handinhand.meetings.models import ActionItem, Meeting, Todo, TodoKind
from handinhand.meetings.selectors import held_by_period, invitations_upcoming, minutes_missing
from handinhand.programme.models import GuidanceGroup

# Rows the reminder job writes for work other sources already derive from state.
DERIVED_KINDS = (
    TodoKind.MEETING_DUE,
    TodoKind.REPORT_DUE,
    TodoKind.ACTION_ITEM,
    TodoKind.ACTION_OVERDUE,
)


def owed_items(user: Any, today: dt.date) -> list[WorkItem]:
    """Each group the user leads × each meeting rule of its level whose current period has not
    yet held its minimum: two queries (the groups, the grouped held counts)."""
    led = get_scope(user).led_group_ids
    if not led:
        return []
    rules = list(get_policy().meetings)
    current = {rule.kind: period_of(rule.period, today) for rule in rules}
    groups = list(
        GuidanceGroup.objects.visible_to(user)
        .filter(pk__in=sorted(led), is_active=True)
        .only("id", "name", "level", "batch__start_year")
        .select_related("batch")
        .order_by("name")
    )
    if not groups:
        return []
    held = held_by_period([g.pk for g in groups], rules, {k: [p] for k, p in current.items()})
    items = []
    for group in groups:
        for rule in rules:
            period = current[rule.kind]
            if group.level not in rule.group_levels or period.end.year < group.batch.start_year:
                continue
            n = held.get((group.pk, f"{rule.kind}|{period.key}"), 0)
            if n >= rule.minimum:
                continue
            items.append(
                WorkItem(
                    source="meetings.owed",
                    key=f"group:{group.pk}:{rule.kind}:{period.key}",
                    title=_("召开%(name)s（%(period)s，已开 %(held)s/%(owed)s 次）")
                    % {
                        "name": rule.name,
                        "period": period.label,
                        "held": n,
                        "owed": rule.minimum,
                    },
                    url=reverse("meetings:meeting_create", args=[group.pk]),
                    due=period.end,
                    subject=group.name,
                )
            )
    return items


def action_pending(user: Any, today: dt.date) -> QuerySet[ActionItem]:
    if not get_scope(user).is_business:
        return ActionItem.objects.none()
    return ActionItem.objects.filter(
        owner_id=user.pk, done=False, meeting__in=Meeting.objects.visible_to(user)
    )


def personal_items(user: Any, today: dt.date) -> list[WorkItem]:
    """The person's decisions to carry out, their own to-dos, the meetings they are invited to
    in the coming weeks and the minutes they owe of meetings that are over, read in one query
    (a UNION): every inbox page pays one query for all four, whoever the user is."""
    actions = (
        action_pending(user, today)
        .order_by()
        .values_list(
            Value("action", output_field=CharField()),
            "pk",
            "text",
            "due",
            "meeting_id",
            "meeting__title",
            Value("", output_field=CharField()),
        )
    )
    todos = (
        todo_pending(user, today)
        .order_by()
        .values_list(
            Value("todo", output_field=CharField()),
            "pk",
            "text",
            "due",
            Value(None, output_field=IntegerField()),
            Value("", output_field=CharField()),
            "link",
        )
    )
    invited = (
        invited_pending(user, today)
        .order_by()
        .values_list(
            Value("invited", output_field=CharField()),
            "pk",
            "title",
            "date",
            "pk",
            "group__name",
            "place",
        )
    )
    minutes = (
        minutes_pending(user, today)
        .order_by()
        .values_list(
            Value("minutes", output_field=CharField()),
            "pk",
            "title",
            "date",
            "pk",
            "group__name",
            Value("", output_field=CharField()),
        )
    )
    parts = [qs for qs in (actions, todos, invited, minutes) if not qs.query.is_empty()]
    if not parts:
        return []
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = sorted(query, key=lambda r: (r[3] is None, r[3] or today, r[0], r[1]))
    items = []
    for kind, pk, text, due, meeting_id, meeting_title, link in rows:
        if kind == "action":
            items.append(
                WorkItem(
                    source="meetings.action_item",
                    key=f"action:{pk}",
                    title=_("落实会议决定事项：%(text)s") % {"text": text[:60]},
                    url=reverse("meetings:meeting_detail", args=[meeting_id]),
                    due=due,
                    subject=meeting_title,
                )
            )
        elif kind == "invited":
            items.append(
                WorkItem(
                    source="meetings.invited",
                    key=f"meeting:{pk}",
                    title=_("参加会议：%(title)s%(place)s")
                    % {"title": text, "place": f"（{link}）" if link else ""},
                    url=reverse("meetings:meeting_detail", args=[pk]),
                    due=due,
                    subject=meeting_title,
                )
            )
        elif kind == "minutes":
            items.append(
                WorkItem(
                    source="meetings.minutes",
                    key=f"meeting:{pk}",
                    title=_("补录会议纪要：%(title)s") % {"title": text},
                    url=reverse("meetings:meeting_edit", args=[pk]),
                    due=due,
                    subject=meeting_title,
                )
            )
        else:
            items.append(
                WorkItem(
                    source="meetings.todo",
                    key=f"todo:{pk}",
                    title=text,
                    url=link or reverse("meetings:todo_list"),
                    due=due,
                )
            )
    return items


def _none(user: Any, today: dt.date) -> list[WorkItem]:
    """The to-dos' items come with the decisions' (personal_items): one query for both."""
    return []


def todo_pending(user: Any, today: dt.date) -> QuerySet[Todo]:
    if not get_scope(user).is_business:
        return Todo.objects.none()
    return Todo.objects.visible_to(user).open().exclude(kind__in=DERIVED_KINDS)


# An invitation shows in the inbox from this many days before the meeting.
INVITATION_DAYS_AHEAD = 30


def invited_pending(user: Any, today: dt.date) -> QuerySet[Meeting]:
    if not getattr(user, "pk", None):
        return Meeting.objects.none()
    return invitations_upcoming(user, today).filter(
        date__lte=today + dt.timedelta(days=INVITATION_DAYS_AHEAD)
    )


def minutes_pending(user: Any, today: dt.date) -> QuerySet[Meeting]:
    if not get_scope(user).is_business:
        return Meeting.objects.none()
    return minutes_missing(user, today)


def register() -> None:
    label = _lazy("工作机制")
    register_work(WorkSource("meetings.owed", _lazy("会议合规"), owed_items))
    # Both are counted apart (their pending querysets join the inbox's one COUNT) but read
    # together: the decisions' source lists the to-dos too.
    register_work(
        WorkSource(
            "meetings.action_item",
            label,
            personal_items,
            action_pending,
            covers=("meetings.todo", "meetings.invited", "meetings.minutes"),
        )
    )
    register_work(WorkSource("meetings.todo", label, _none, todo_pending))
    # Read with the decisions too (personal_items), counted apart.
    register_work(WorkSource("meetings.invited", _lazy("会议邀请"), _none, invited_pending))
    register_work(WorkSource("meetings.minutes", _lazy("会议纪要"), _none, minutes_pending))
