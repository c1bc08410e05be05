"""Start-up registries: how a lower layer uses what a higher app provides without importing it.

The layers (core < orgs, accounts < programme < domain apps < api) forbid an import upwards.
Where a lower module needs something only a higher app knows — the scope computation, the
programme's groups on an organisation's page, another module's figures in a report — it declares
a `Slot` (exactly one provider) or a `Registry` (any number, by name), and the app that owns the
data fills it from its `AppConfig.ready()`. Nothing is looked up by module path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class Slot(Generic[T]):
    """One provider, required: asking before an app has filled it is a configuration error."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._value: T | None = None

    def set(self, value: T) -> T:
        # Replacing is allowed, so that a second ready() (as in some test runners) is harmless.
        self._value = value
        return value

    def get(self) -> T:
        if self._value is None:
            raise ImproperlyConfigured(
                f"Nothing registered for {self.name!r}: is its app installed?"
            )
        return self._value


class Registry(Generic[T]):
    """Named contributions, in registration order; a missing name is simply absent."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, key: str, value: T) -> T:
        self._items[key] = value
        return value

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def values(self) -> list[T]:
        return list(self._items.values())


# --- registries shared by the domain apps ---------------------------------------------------------

# Figures per guidance group for a calendar year, by name ("meeting_counts", "visit_counts",
# "evaluation_counts"): each takes (group_ids, year) and answers {group_id: {...}}. The annual
# reports read them; the app owning the data registers its selector from its AppConfig.ready().
GroupFigures = Callable[[list[int], int], dict[int, dict[str, Any]]]
group_figures: Registry[GroupFigures] = Registry("group figures")

# Work owed by a person, for the inbox and the daily reminder job, by to-do kind (e.g.
# "report_due"): each takes today and answers (user id, unique key, text, url, due date) rows.
DueItems = Callable[[date], Iterable[tuple[int, str, str, str, date]]]
due_items: Registry[DueItems] = Registry("due items")


# Dated events on the programme's rollout timeline (e.g. the meetings that mark 启动会, 批次启动,
# 全面推行), by name ("meetings"): each takes the user and answers the events they may see. The
# rollout page (programme) reads them without importing the app that owns them.
@dataclass(frozen=True)
class TimelineEvent:
    date: date
    kind: str  # the provider's own code, e.g. "kickoff"
    label: str  # what the event is, in Chinese (启动会)
    title: str  # the event's own name
    url: str  # the page that shows it
    batch_id: int | None = None
    source: str = ""


TimelineEvents = Callable[[Any], list[TimelineEvent]]
timeline_events: Registry[TimelineEvents] = Registry("timeline events")
