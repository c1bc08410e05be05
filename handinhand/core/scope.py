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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

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


def get_scope(user: AnyUser) -> Scope:
    scope = getattr(user, SCOPE_ATTR, None)
    if scope is None:
        scope = scope_computation.get()(user)
        # AnonymousUser and other attribute-less objects simply compute again next time.
        with contextlib.suppress(AttributeError):
            setattr(user, SCOPE_ATTR, scope)
    return scope


def reset_scope(user: AnyUser) -> None:
    if hasattr(user, SCOPE_ATTR):
        delattr(user, SCOPE_ATTR)
