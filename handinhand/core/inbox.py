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

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from handinhand.core.registry import Registry

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    StrOrPromise = str


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
    label: StrOrPromise  # the module as users know it ("自评", "问题整改", "通知公告"), translated
    items: Items
    pending: Pending | None = None


work_sources: Registry[WorkSource] = Registry("work sources")


def register_work(source: WorkSource) -> WorkSource:
    """Called from an AppConfig.ready(); registering a name twice replaces the first (a second
    ready() in a test runner is harmless), it never adds a second source."""
    return work_sources.register(source.name, source)


# --- the reading side: what the inbox page, the badge, the homes and the reminder jobs call ---

INBOX_CACHE_ATTR = "_handinhand_inbox"


def _cache(user: Any) -> dict[tuple[str, dt.date], Any]:
    """Per request: the request's user object lives as long as the request, so the badge, the
    home and the inbox page ask the sources once between them."""
    cache: dict[tuple[str, dt.date], Any] | None = getattr(user, INBOX_CACHE_ATTR, None)
    if cache is None:
        cache = {}
        # An attribute-less stand-in gets no cache, and is still answered correctly.
        with contextlib.suppress(AttributeError):
            setattr(user, INBOX_CACHE_ATTR, cache)
    return cache


def reset_inbox(user: Any) -> None:
    """Forget the cached inbox of this user object (after a write within the same request)."""
    if hasattr(user, INBOX_CACHE_ATTR):
        delattr(user, INBOX_CACHE_ATTR)


def sort_key(today: dt.date) -> Callable[[WorkItem], tuple[int, dt.date, str, str]]:
    """Overdue first (the most overdue on top), then by deadline, then work without one."""

    def key(item: WorkItem) -> tuple[int, dt.date, str, str]:
        if item.due is None:
            return (2, dt.date.max, item.source, item.key)
        return (0 if item.due < today else 1, item.due, item.source, item.key)

    return key


def inbox_items(user: Any, today: dt.date) -> list[WorkItem]:
    """Every source's work for `user` on `today`, overdue first then by deadline. The stable
    entry point of the inbox page, the homes, and the reminder and digest jobs."""
    if not getattr(user, "is_authenticated", False):
        return []
    cache = _cache(user)
    cached: list[WorkItem] | None = cache.get(("items", today))
    if cached is not None:
        return cached
    items: list[WorkItem] = []
    for source in work_sources.values():
        items.extend(source.items(user, today))
    items.sort(key=sort_key(today))
    cache[("items", today)] = items
    cache[("count", today)] = len(items)
    return items


def cached_count(user: Any, today: dt.date) -> int | None:
    """The count if this request has already asked for it (or for the items), else None."""
    cache: dict[tuple[str, dt.date], Any] | None = getattr(user, INBOX_CACHE_ATTR, None)
    return None if cache is None else cache.get(("count", today))


def inbox_count(user: Any, today: dt.date) -> int:
    """How much work `user` owes: the sources' `pending` querysets unioned into one COUNT, the
    few sources without one counted from their items. Cached for the request."""
    if not getattr(user, "is_authenticated", False):
        return 0
    cache = _cache(user)
    cached: int | None = cache.get(("count", today))
    if cached is not None:
        return cached
    total = 0
    querysets: list[QuerySet[Any]] = []
    for source in work_sources.values():
        if source.pending is None:
            total += sum(1 for _item in source.items(user, today))
            continue
        qs = source.pending(user, today)
        # A source with nothing for this user answers .none(): no SQL, nothing to union.
        if qs.query.is_empty():
            continue
        querysets.append(qs.order_by().values_list("pk"))
    if len(querysets) == 1:
        total += querysets[0].count()
    elif querysets:
        total += querysets[0].union(*querysets[1:], all=True).count()
    cache[("count", today)] = total
    return total


def inbox_sources() -> list[tuple[str, str]]:
    """(name, label) of every registered source, for the inbox's module filter."""
    return [(s.name, str(s.label)) for s in work_sources.values()]
