"""待办: one inbox of the work every module owes a person (issue 10).

Work is derived from state, never stored as a to-do row that someone must dismiss: each module
registers a `WorkSource` from its AppConfig.ready() whose `items(user, today)` answers what the
user owes now; when the work is done the state changes and the item is gone. Scope comes with
the state: a source reads through `visible_to(user)`, so an object that has left the user's
scope leaves their inbox too.

`pending(user, today)`, where a source can give it, is the same work as a queryset (any model,
any columns): the inbox count unions them into one query instead of asking every module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from handinhand.core.registry import Registry


@dataclass(frozen=True)
class WorkItem:
    """One piece of work a person owes: what, about what, by when, and one link to do it."""

    source: str  # the WorkSource's name, e.g. "indicators.self_assessment"
    key: str  # unique within the source, e.g. "evaluation:12"
    title: str  # what is to be done, in Chinese ("填写自评", "答复问题")
    url: str  # the one page where it is done
    due: dt.date | None = None
    subject: str = ""  # the object the work is about (a school, a group, a report)
    reason: str = ""  # the latest return reason and who gave it, where the work was returned

    def days_left(self, today: dt.date) -> int | None:
        """Days until the deadline (negative: overdue), None without one."""
        return None if self.due is None else (self.due - today).days


Items = Callable[[Any, dt.date], Iterable[WorkItem]]
Pending = Callable[[Any, dt.date], "QuerySet[Any]"]


@dataclass(frozen=True)
class WorkSource:
    name: str  # "<app>.<kind>", unique
    label: str  # the module as users know it ("自评", "问题整改", "通知公告"), translated
    items: Items
    pending: Pending | None = None


work_sources: Registry[WorkSource] = Registry("work sources")


def register_work(source: WorkSource) -> WorkSource:
    """Called from an AppConfig.ready(); registering a name twice replaces the first (a second
    ready() in a test runner is harmless), it never adds a second source."""
    return work_sources.register(source.name, source)


def inbox_items(user: Any, today: dt.date) -> list[WorkItem]:
    """Everything `user` owes on `today`, from every registered source, soonest deadline first.

    (Minimal version for the reminder digest; the inbox work replaces it with its own.)"""
    items = [item for source in work_sources.values() for item in source.items(user, today)]
    return sorted(items, key=lambda i: (i.due is None, i.due or today, i.title))
