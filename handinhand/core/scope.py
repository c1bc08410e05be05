"""Data scope (DESIGN §2), decided here and nowhere else.

`get_scope(user)` gathers, once per request, where a user's view of the province begins: the
region subtrees, schools and groups they hold through role assignments and memberships. Each
model's `visible_to(user)` turns that into a filter; a person holding several roles sees the
union. Views never re-implement any of this.

The value lives here; the computation, which reads role assignments and memberships, is
registered by `handinhand.programme.scope` (core sits below every app that owns that data).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from handinhand.core.registry import Slot
from handinhand.core.users import AnyUser

SCOPE_ATTR = "_handinhand_scope"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    is_business: bool = False
    region_paths: tuple[str, ...] = ()
    # Regions whose education bureau the user works for: where they may edit organisations.
    staff_paths: tuple[str, ...] = ()
    # Schools in scope one by one: the user's own (as school user) and their districts' schools.
    school_ids: frozenset[int] = frozenset()
    # The counties (region codes) inside `region_paths`, so that a school filter reads
    # `county_id IN (…) OR id IN (…)` on the school table itself: two index scans, where a
    # path LIKE through the join defeats both indexes (issue 15 item 2; see in_scope there).
    county_codes: frozenset[str] = frozenset()
    # The schools of `school_ids` outside those counties (a school user's own school, usually):
    # most scopes have none, and the filter is then `county_id IN (…)` alone, which PostgreSQL
    # serves in county order straight from the county index (an OR it walks whole).
    outside_school_ids: frozenset[int] = frozenset()
    # The schools the user holds a school-user role for: "is this the school's own user?"
    own_school_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    led_group_ids: frozenset[int] = frozenset()
    university_ids: frozenset[int] = frozenset()
    # Units (单位) whose people a unit contact (单位联络人) looks after.
    unit_ids: frozenset[int] = frozenset()
    # Regions above a user's own (province excluded): whose guidance groups they may see.
    upward_codes: frozenset[str] = frozenset()
    # Every region above anything in scope, so that navigation can show where things are.
    ancestor_codes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    can_manage_users: bool = False
    can_manage_roles: bool = False
    can_read_audit: bool = False

    def region_q(self, path_field: str) -> Q:
        """Q matching rows whose region (reached by `path_field`) lies in a scope subtree."""
        query = Q(pk__in=[])
        for path in self.region_paths:
            query |= Q(**{f"{path_field}__startswith": path})
        return query

    def staff_q(self, path_field: str) -> Q:
        """Q matching rows whose region lies where the user works for the education bureau."""
        query = Q(pk__in=[])
        for path in self.staff_paths:
            query |= Q(**{f"{path_field}__startswith": path})
        return query

    def is_own_school(self, school_id: int) -> bool:
        """Is the user this school's own user (its school-user role, not a district's)?"""
        return school_id in self.own_school_ids

    @property
    def is_instructor(self) -> bool:
        return bool(self.group_ids)

    @property
    def is_province_admin(self) -> bool:
        return self.everything

    @property
    def runs_programme(self) -> bool:
        """The province, a bureau or a guidance group: those who run the programme, as against
        a school (or a unit contact) it is run for. Menus of programme administration show to
        them alone."""
        return self.everything or bool(self.staff_paths) or bool(self.group_ids)

    def can_edit_region(self, region_path: str) -> bool:
        """Province admins and region staff edit organisation data inside their region."""
        if self.everything:
            return True
        return "region_staff" in self.roles and any(
            region_path.startswith(p) for p in self.staff_paths
        )


EMPTY = Scope()

# Filled at start-up by the app that owns roles and memberships (programme.scope), so that core
# imports no domain app.
scope_computation: Slot[Callable[[Any], Scope]] = Slot("scope computation")


# A cache keeps each user's scope between requests (issue 15 item 3), under a version
# that every change of roles, memberships, pairings, districts or groups replaces: a new
# version makes every cached scope unreachable at once. One version for everybody, not one per
# user, because a pairing or a district changes the scope of a whole group's members; such
# changes are a few a day, so recomputing everyone's scope after each costs nothing. The key
# also holds the date (a membership's term ends at midnight) and entries expire after
# SCOPE_CACHE_SECONDS, which bounds any change made behind the services' back (a raw UPDATE).
SCOPE_VERSION_KEY = "scope:version"


def _cache_seconds() -> int:
    return int(getattr(settings, "SCOPE_CACHE_SECONDS", 600))


# Part of every key: a release that changes the Scope class changes this, so that no scope
# pickled by the previous release is read back without its new fields.
SCOPE_FORMAT = 2


def _scope_key(user: AnyUser, version: str) -> str:
    return f"scope:{SCOPE_FORMAT}:{user.pk}:{version}:{timezone.localdate().isoformat()}"


def get_scope(user: AnyUser) -> Scope:
    """The user's scope: memoised on the user object for the request, and kept in the shared
    cache across requests until a change bumps the version (bump_scope_version)."""
    scope = getattr(user, SCOPE_ATTR, None)
    if scope is not None:
        return scope  # type: ignore[no-any-return]
    pk = getattr(user, "pk", None)
    seconds = _cache_seconds()
    key = ""
    if pk is not None and seconds > 0 and getattr(user, "is_authenticated", False):
        version = cache.get(SCOPE_VERSION_KEY)
        if version is None:
            version = _new_version()
        key = _scope_key(user, version)
        scope = _store().get(key)
    if scope is None:
        scope = scope_computation.get()(user)
        if key:
            _store().set(key, scope, seconds)
    # AnonymousUser and other attribute-less objects simply compute again next time.
    with contextlib.suppress(AttributeError):
        setattr(user, SCOPE_ATTR, scope)
    return scope


def _store() -> Any:
    """Where scopes are kept: the shared cache when it is Redis (one round trip, shared by
    every server); otherwise this process's memory, since a scope read from the database
    cache would cost as many queries as computing it. The version always lives in the shared
    cache, so that a change made through any process reaches every process's memory."""
    shared = settings.CACHES["default"]["BACKEND"]
    return cache if "Redis" in shared or "LocMem" in shared else caches["local"]


def _new_version() -> str:
    version = uuid.uuid4().hex[:12]
    cache.set(SCOPE_VERSION_KEY, version, None)
    return version


def bump_scope_version() -> None:
    """Every cached scope is stale: called by the services (and model signals) that change
    roles, memberships, pairings, districts or groups. Bumped now, so that this request sees
    the change, and again after the commit, so that a scope another request computed from the
    rows before the commit, and cached meanwhile, is not kept."""
    _new_version()
    transaction.on_commit(_new_version)


def reset_scope(user: AnyUser) -> None:
    """Forget the user's scope (this request's memo and every cached scope)."""
    if hasattr(user, SCOPE_ATTR):
        delattr(user, SCOPE_ATTR)
    bump_scope_version()
