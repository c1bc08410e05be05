"""The daily to-do job: turn what is owed or late into personal to-dos, which the inbox shows
and the one daily digest (core/reminders.py) tells people about. Each to-do carries a source
key unique per user, so a second run on the same day — or a run after a crash — creates
nothing twice.

Sources: a meeting still owed in the current period when `reminders.days_before_period_end`
days or fewer are left (to the group's leader and deputies); overdue action items (to their
owners); reports due, from whatever the reports app registered in `core.registry.due_items`.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from handinhand.core.policy import get_policy
from handinhand.core.registry import due_items
from handinhand.core.reminders import digests_send
from handinhand.meetings.calendar import period_of
from handinhand.meetings.models import ActionItem, Todo, TodoKind
from handinhand.meetings.selectors import group_leaders, held_by_period
from handinhand.meetings.services import todos_create
from handinhand.programme.models import GuidanceGroup


def meeting_due_todos(today: dt.date) -> list[Todo]:
    """Groups that have not yet held what the current period asks, with few days left."""
    days = get_policy().reminders.days_before_period_end
    rules = list(get_policy().meetings)
    current = {rule.kind: period_of(rule.period, today) for rule in rules}
    rules = [r for r in rules if 0 <= current[r.kind].days_left(today) <= days]
    if not rules:
        return []
    levels = {level for r in rules for level in r.group_levels}
    groups = list(
        GuidanceGroup.objects.filter(is_active=True, level__in=levels).values_list("pk", "level")
    )
    group_ids = [pk for pk, _level in groups]
    held = held_by_period(group_ids, rules, {r.kind: [current[r.kind]] for r in rules})
    leaders = group_leaders(group_ids)
    todos = []
    for pk, level in groups:
        for rule in rules:
            period = current[rule.kind]
            if level not in rule.group_levels:
                continue
            n = held.get((pk, f"{rule.kind}|{period.key}"), 0)
            if n >= rule.minimum:
                continue
            text = _(
                "%(period)s的%(name)s尚未召开（已开 %(held)s/%(owed)s 次），本期 %(end)s 截止"
            ) % {
                "period": period.label,
                "name": rule.name,
                "held": n,
                "owed": rule.minimum,
                "end": f"{period.end:%Y-%m-%d}",
            }
            for user_id in leaders.get(pk, []):
                todos.append(
                    Todo(
                        user_id=user_id,
                        kind=TodoKind.MEETING_DUE,
                        text=text,
                        link=reverse("meetings:meeting_create", args=[pk]),
                        due=period.end,
                        source_key=f"meeting_due:{pk}:{rule.kind}:{period.key}",
                    )
                )
    return todos


def action_overdue_todos(today: dt.date) -> list[Todo]:
    items = ActionItem.objects.filter(done=False, due__lt=today).select_related("meeting")
    return [
        Todo(
            user_id=item.owner_id,
            kind=TodoKind.ACTION_OVERDUE,
            text=_("决定事项已逾期：%(text)s") % {"text": item.text},
            link=item.meeting.get_absolute_url(),
            due=item.due,
            source_key=f"action_overdue:{item.pk}",
        )
        for item in items.iterator(chunk_size=2000)
    ]


def report_due_todos(today: dt.date) -> list[Todo]:
    """Reports due, from the reports app's registered source (none while it is not installed)."""
    reports_due = due_items.get(TodoKind.REPORT_DUE)
    if reports_due is None:
        return []
    return [
        Todo(
            user_id=user_id,
            kind=TodoKind.REPORT_DUE,
            text=str(text)[:300],
            link=url or "",
            due=due,
            source_key=f"report:{key}"[:120],
        )
        for user_id, key, text, url, due in reports_due(today)
    ]


def _todos(today: dt.date) -> tuple[dict[str, int], set[int]]:
    candidates = [*meeting_due_todos(today), *action_overdue_todos(today), *report_due_todos(today)]
    created = todos_create(actor=None, todos=candidates)
    counts: dict[str, int] = {kind: 0 for kind in TodoKind.values}
    for todo in created:
        counts[todo.kind] += 1
    counts["total"] = len(created)
    return counts, {todo.user_id for todo in created}


def todos_daily(today: dt.date) -> dict[str, int]:
    """The overdue flags: create the day's to-dos; returns how many of each kind were new."""
    return _todos(today)[0]


def run_reminders(today: dt.date) -> dict[str, int]:
    """The whole daily reminder run, as `manage.py send_reminders` does it: the to-dos, then
    the day's digest (core/reminders.py) for the people who got a new one."""
    counts, user_ids = _todos(today)
    if user_ids:
        counts.update(digests_send(today, user_ids=user_ids))
    return counts
