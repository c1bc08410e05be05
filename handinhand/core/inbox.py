"""待办: one inbox of the work every module owes a person (issue 10).

Work is derived from state, never stored as a to-do row that someone must dismiss: each module
registers a `WorkSource` from its AppConfig.ready() whose `items(user, today)` answers what the
user owes now; when the work is done the state changes and the item is gone. Scope comes with
the state: a source reads through `visible_to(user)`, so an object that has left the user's
scope leaves their inbox too.

`pending(user, today)`, where a source can give it, is the same work as a queryset (any model,
any columns): one query counts them all, per source (`pending_counts`), and the items are then
asked only of the sources with work, so a page's queries follow the work a person has, not the
number of modules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
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
    # Other sources whose items this one's `items` reads too (one query for several), so that
    # it is asked whenever any of them has work.
    covers: tuple[str, ...] = ()


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
    counts = pending_counts(user, today)
    items: list[WorkItem] = []
    for source in work_sources.values():
        names = (source.name, *source.covers)
        if source.pending is not None and not any(counts.get(n) for n in names):
            continue  # counted: nothing owed there, no query for its items
        items.extend(source.items(user, today))
    items.sort(key=sort_key(today))
    cache[("items", today)] = items
    cache[("count", today)] = len(items)
    return items


def cached_count(user: Any, today: dt.date) -> int | None:
    """The count if this request has already asked for it (or for the items), else None."""
    cache: dict[tuple[str, dt.date], Any] | None = getattr(user, INBOX_CACHE_ATTR, None)
    return None if cache is None else cache.get(("count", today))


def pending_counts(user: Any, today: dt.date) -> dict[str, int]:
    """How much work each source with a `pending` queryset has for `user`, in one query
    (`SELECT i, COUNT(*) FROM (…) UNION ALL …`, each source's own SQL as a subquery, so that any
    queryset — distinct, annotated, joined — counts as it is). Cached for the request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cache = _cache(user)
    cached: dict[str, int] | None = cache.get(("counts", today))
    if cached is not None:
        return cached
    parts: list[tuple[str, QuerySet[Any]]] = []
    for source in work_sources.values():
        if source.pending is None:
            continue
        qs = source.pending(user, today)
        # A source with nothing for this user answers .none(): no SQL, nothing to count.
        if not qs.query.is_empty():
            parts.append((source.name, qs.order_by().values("pk")))
    counts: dict[str, int] = {}
    by_db: dict[str, list[tuple[str, QuerySet[Any]]]] = {}
    for name, qs in parts:
        by_db.setdefault(qs.db, []).append((name, qs))
    for alias, group in by_db.items():
        selects: list[str] = []
        params: list[Any] = []
        for i, (name, qs) in enumerate(group):
            try:
                sql, qs_params = qs.query.get_compiler(using=alias).as_sql()
            except EmptyResultSet:  # a filter that can match nothing (pk__in=[])
                counts[name] = 0
                continue
            # The subquery's SQL comes from the ORM; only the index is ours.
            selects.append(f"SELECT {i}, COUNT(*) FROM ({sql}) hh_pending_{i}")  # noqa: S608
            params.extend(qs_params)
        if not selects:
            continue
        with connections[alias].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for i, n in cursor.fetchall():
                counts[group[int(i)][0]] = int(n)
    cache[("counts", today)] = counts
    return counts


def inbox_count(user: Any, today: dt.date) -> int:
    """How much work `user` owes: the sources' `pending` querysets counted in one query, the
    few sources without one counted from their items. Cached for the request."""
    if not getattr(user, "is_authenticated", False):
        return 0
    cache = _cache(user)
    cached: int | None = cache.get(("count", today))
    if cached is not None:
        return cached
    total = sum(pending_counts(user, today).values())
    for source in work_sources.values():
        if source.pending is None:
            total += sum(1 for _item in source.items(user, today))
    cache[("count", today)] = total
    return total


def inbox_sources() -> list[tuple[str, str]]:
    """(name, label) of every registered source, for the inbox's module filter."""
    return [(s.name, str(s.label)) for s in work_sources.values()]
