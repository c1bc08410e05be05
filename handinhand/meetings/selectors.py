"""Reads of meetings: lists, details, yearly counts for other modules, and the compliance
calendar (what every group owes per period, what it held, met / due / missed)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core.policy import MeetingRule, get_policy
from handinhand.core.registry import TimelineEvent
from handinhand.meetings import tokens
from handinhand.meetings.calendar import PeriodSpan, periods_starting
from handinhand.meetings.models import (
    ActionItem,
    Attendance,
    CalendarToken,
    InviteeKind,
    Meeting,
    MeetingStatus,
    Milestone,
    Todo,
)
from handinhand.orgs.models import Region
from handinhand.programme.models import GuidanceGroup, MemberRole, Membership

# --- for other modules (annual reports) -----------------------------------------------------


def meeting_counts(group_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """Per group, for calendar year `year`: {"owed": n, "held": n, "chaired_by": {user_id: n}}.

    owed: for every policy rule of the group's level, `minimum` × the rule's periods that start
    in `year` (a semester wrapping the year end belongs to the year it starts in). held: meetings
    of the kinds of those rules, status held, dated in `year`. chaired_by counts those held
    meetings by chair. Two queries, whatever the number of groups.
    """
    rules = get_policy().meetings
    levels = dict(GuidanceGroup.objects.filter(pk__in=group_ids).values_list("pk", "level"))
    result: dict[int, dict[str, Any]] = {}
    kinds_by_group: dict[int, set[str]] = {}
    for pk, level in levels.items():
        mine = [r for r in rules if level in r.group_levels]
        kinds_by_group[pk] = {r.kind for r in mine}
        result[pk] = {
            "owed": sum(r.minimum * len(periods_starting(r.period, year)) for r in mine),
            "held": 0,
            "chaired_by": {},
        }
    counted_kinds = {r.kind for r in rules}
    rows = (
        Meeting.objects.filter(
            group_id__in=list(levels),
            status=MeetingStatus.HELD,
            kind__in=counted_kinds,
            date__year=year,
        )
        .values("group_id", "kind", "chair_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        if row["kind"] not in kinds_by_group[row["group_id"]]:
            continue
        entry = result[row["group_id"]]
        entry["held"] += row["n"]
        if row["chair_id"] is not None:
            chaired = entry["chaired_by"]
            chaired[row["chair_id"]] = chaired.get(row["chair_id"], 0) + row["n"]
    return result


# --- lists and details ----------------------------------------------------------------------


def meetings_for_list(user: User) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).select_related("group", "chair")


def meeting_detail_qs(user: User) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).select_related("group__region", "chair")


def meeting_members(meeting: Meeting) -> QuerySet[Membership]:
    """Who may attend: the host group's current members."""
    return (
        Membership.objects.current()
        .filter(group_id=meeting.group_id)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def planned_meetings_for(user: User) -> QuerySet[Meeting]:
    """The user's planned meetings, for the calendar feed: of the groups they belong to, or
    where they are on the roll; always within what they may see."""
    since = timezone.localdate() - dt.timedelta(days=31)
    mine = Q(group__memberships__user=user, group__memberships__is_active=True) | Q(
        attendances__user=user
    )
    return (
        Meeting.objects.visible_to(user)
        .filter(mine, status=MeetingStatus.PLANNED, date__gte=since)
        .select_related("group")
        .distinct()
        .order_by("date", "id")
    )


# How far back a subscribed calendar reaches: the past year, two semesters.
CALENDAR_DAYS_BACK = 366


def calendar_meetings_for(user: User) -> QuerySet[Meeting]:
    """A subscribed calendar's meetings: those of the owner's own groups and those they are
    invited to, planned, held or cancelled (so a subscriber's calendar drops a cancelled one),
    from a year back; always within what the owner may see."""
    since = timezone.localdate() - dt.timedelta(days=CALENDAR_DAYS_BACK)
    mine = Q(group__memberships__user=user, group__memberships__is_active=True) | Q(
        attendances__user=user
    )
    ids = Meeting.objects.visible_to(user).filter(mine, date__gte=since).values("pk")
    return Meeting.objects.filter(pk__in=ids).select_related("group").order_by("date", "id")


def calendar_token_owner(raw: str) -> User | None:
    """The active owner of a live calendar token, or None (unknown, revoked, deactivated)."""
    if not raw or len(raw) > 100:
        return None
    token = (
        CalendarToken.objects.live()
        .filter(digest=tokens.digest(raw))
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # The lookup went by digest; the comparison that decides is done in constant time.
    if not tokens.matches(raw, token.user_id, token.nonce):
        return None
    return token.user


# --- invitations (issue 11) -----------------------------------------------------------------


def invitable_groups(actor: User) -> QuerySet[GuidanceGroup]:
    """Groups whose members an organiser may invite: the active groups they see."""
    return GuidanceGroup.objects.visible_to(actor).filter(is_active=True)


def invitable_users(actor: User, user_ids: list[int]) -> dict[int, tuple[str, int | None]]:
    """Of `user_ids`, the active accounts the organiser may invite, each with its kind and the
    group it comes with: current members of the groups the organiser sees; education bureau
    staff of the regions they see (their own, those below, those above, those paired with
    their group); the province's staff. Three queries."""
    if not user_ids:
        return {}
    found: dict[int, tuple[str, int | None]] = {}
    for user_id, group_id in (
        Membership.objects.current()
        .filter(group__in=invitable_groups(actor), user_id__in=user_ids, user__is_active=True)
        .order_by("user_id", "group_id")
        .values_list("user_id", "group_id")
    ):
        found.setdefault(user_id, (InviteeKind.MEMBER, group_id))
    staff = (
        RoleAssignment.objects.active()
        .filter(user_id__in=user_ids, user__is_active=True)
        .filter(
            Q(role=Role.REGION_STAFF, region__in=Region.objects.visible_to(actor))
            | Q(role=Role.PROVINCE_ADMIN)
        )
        .values_list("user_id", flat=True)
    )
    for user_id in staff:
        found.setdefault(user_id, (InviteeKind.STAFF, None))
    return found


def invitable_staff(actor: User) -> QuerySet[User]:
    """Department staff an organiser may invite, for the invitation form."""
    ids = (
        RoleAssignment.objects.active()
        .filter(
            Q(role=Role.REGION_STAFF, region__in=Region.objects.visible_to(actor))
            | Q(role=Role.PROVINCE_ADMIN)
        )
        .values("user_id")
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("work_unit", "full_name")


def invitations_upcoming(user: User, today: dt.date) -> QuerySet[Meeting]:
    """Planned meetings from today on that the user is invited to."""
    return (
        Meeting.objects.visible_to(user)
        .filter(
            pk__in=Attendance.objects.filter(user_id=user.pk).values("meeting_id"),
            status=MeetingStatus.PLANNED,
            date__gte=today,
        )
        .order_by("date", "start_time", "id")
    )


def minutes_missing(user: User, today: dt.date) -> QuerySet[Meeting]:
    """Meetings the user organises (chairs, or leads the host group) whose date has passed and
    that still have no minutes."""
    from handinhand.core.scope import get_scope

    led = get_scope(user).led_group_ids
    return (
        Meeting.objects.visible_to(user)
        .filter(Q(chair_id=user.pk) | Q(group_id__in=sorted(led)))
        .filter(date__lt=today, minutes="")
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("date", "id")
    )


# --- programme milestones for the rollout timeline ------------------------------------------


def milestones(user: User) -> list[TimelineEvent]:
    """The meetings that mark a programme milestone (启动会, 批次启动, 全面推行), oldest first,
    of those the user may see; cancelled ones are no milestone."""
    labels = dict(Milestone.choices)
    rows = (
        Meeting.objects.visible_to(user)
        .exclude(milestone="")
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("group")
        .order_by("date", "id")
    )
    return [
        TimelineEvent(
            date=m.date,
            kind=m.milestone,
            label=str(labels.get(m.milestone, m.milestone)),
            title=m.title,
            url=m.get_absolute_url(),
            batch_id=m.group.batch_id,
            source="meetings",
        )
        for m in rows
    ]


def action_items_for_list(user: User) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(meeting__in=Meeting.objects.visible_to(user)).select_related(
        "meeting__group", "owner"
    )


def todos_for_list(user: User) -> QuerySet[Todo]:
    return Todo.objects.visible_to(user)


def open_todo_count(user: User) -> int:
    return Todo.objects.visible_to(user).open().count()


# --- the compliance calendar ----------------------------------------------------------------

MET, DUE, MISSED, NOT_OWED = "met", "due", "missed", "none"
STATUS_LABELS = {MET: _lazy("已完成"), DUE: _lazy("待召开"), MISSED: _lazy("未完成"), NOT_OWED: "—"}


@dataclass
class Cell:
    period: PeriodSpan
    owed: int
    held: int
    status: str

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class GroupRow:
    group: GuidanceGroup
    cells: list[Cell]
    can_plan: bool = False

    @property
    def missed(self) -> int:
        return sum(1 for c in self.cells if c.status == MISSED)


@dataclass
class RuleCalendar:
    rule: MeetingRule
    periods: list[PeriodSpan]
    rows: list[GroupRow] = field(default_factory=list)

    @property
    def missed_cells(self) -> int:
        return sum(r.missed for r in self.rows)


def status_of(*, held: int, minimum: int, period: PeriodSpan, today: dt.date) -> str:
    """met once the minimum is held; otherwise due until the period's last day, then missed."""
    if held >= minimum:
        return MET
    return DUE if today <= period.end else MISSED


def held_by_period(
    group_ids: Any, rules: list[MeetingRule], spans: dict[str, list[PeriodSpan]]
) -> dict[tuple[int, str], int]:
    """{(group_id, period key): held meetings of the rule's kind}, in ONE grouped query: each
    held meeting is put in its rule's period bucket by a CASE over kind and date range."""
    whens = [
        When(Q(kind=rule.kind, date__range=(p.start, p.end)), then=Value(f"{rule.kind}|{p.key}"))
        for rule in rules
        for p in spans[rule.kind]
    ]
    if not whens:
        return {}
    first = min(p.start for ps in spans.values() for p in ps)
    last = max(p.end for ps in spans.values() for p in ps)
    rows = (
        Meeting.objects.filter(
            group_id__in=group_ids,
            status=MeetingStatus.HELD,
            kind__in=[r.kind for r in rules],
            date__range=(first, last),
        )
        .annotate(bucket=Case(*whens, default=Value(""), output_field=CharField()))
        .values("group_id", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(r["group_id"], r["bucket"]): r["n"] for r in rows if r["bucket"]}


def compliance_calendar(
    user: User,
    year: int,
    *,
    today: dt.date | None = None,
    level: str = "",
    missed_only: bool = False,
    text: str = "",
) -> list[RuleCalendar]:
    """Every visible group × every period of `year` of the rule for its level: two queries
    (the groups, the grouped held counts) whatever the number of groups."""
    today = today or timezone.localdate()
    rules = list(get_policy().meetings)
    spans = {rule.kind: periods_starting(rule.period, year) for rule in rules}
    groups_qs = (
        GuidanceGroup.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("region", "batch")
        # Only what a row shows: a province has hundreds of groups and the cells are many.
        .only("id", "name", "level", "region__name", "region__path", "batch__start_year")
        .order_by("level", "region_id", "name")
    )
    if level:
        groups_qs = groups_qs.filter(level=level)
    if text:
        groups_qs = groups_qs.filter(Q(name__icontains=text) | Q(region__name__icontains=text))
    groups = list(groups_qs)
    held = held_by_period([g.pk for g in groups], rules, spans)
    calendars = [RuleCalendar(rule=rule, periods=spans[rule.kind]) for rule in rules]
    for group in groups:
        for cal in calendars:
            if group.level not in cal.rule.group_levels:
                continue
            cells = []
            for period in cal.periods:
                n = held.get((group.pk, f"{cal.rule.kind}|{period.key}"), 0)
                # A group owes nothing for periods over before its batch started.
                owed = period.end.year >= group.batch.start_year
                status = (
                    status_of(held=n, minimum=cal.rule.minimum, period=period, today=today)
                    if owed
                    else NOT_OWED
                )
                cells.append(Cell(period, cal.rule.minimum if owed else 0, n, status))
            row = GroupRow(group, cells)
            if not missed_only or row.missed:
                cal.rows.append(row)
    return calendars


def group_leaders(group_ids: Any) -> dict[int, list[int]]:
    """{group_id: [user ids of its current leader and deputies]} in one query."""
    result: dict[int, list[int]] = defaultdict(list)
    for group_id, user_id in (
        Membership.objects.current()
        .filter(group_id__in=group_ids, role__in=[MemberRole.LEADER, MemberRole.DEPUTY])
        .values_list("group_id", "user_id")
    ):
        result[group_id].append(user_id)
    return result
