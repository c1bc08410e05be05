"""Reads of guidance work; each starts from `visible_to(user)`."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from handinhand.accounts.models import User
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.guidance.models import (
    Finding,
    FindingStatus,
    Rectification,
    SchoolVisitCount,
    Verdict,
    Visit,
    VisitSchool,
    VisitStatus,
    overdue_q,
)
from handinhand.guidance.services import guided_schools
from handinhand.orgs.models import School
from handinhand.programme.models import District, DistrictSchool, Membership


def visits_for_list(user: User) -> QuerySet[Visit]:
    """Visits in scope, each with only the schools and instructors the user may see: a visit
    to a school in scope and one outside it must not name the other school (issue 9). Every
    page, fragment, export and document of a visit reads `visit.schools.all()` from here."""
    return (
        Visit.objects.visible_to(user)
        .select_related("group")
        .prefetch_related(
            Prefetch(
                "schools",
                queryset=School.objects.visible_to(user).only("id", "name").order_by("name"),
            ),
            Prefetch(
                "instructors",
                queryset=Membership.objects.visible_to(user)
                .select_related("user")
                .order_by("user_id"),
            ),
        )
    )


# The visit list's export columns for a chunk of visits at once (core.exports reads the other
# columns from values() rows): the same names, in the same order and under the same scope as
# visits_for_list's prefetches, one query per chunk each.


def _joined(pairs: Iterable[tuple[int, str]]) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    for pk, name in pairs:
        names.setdefault(pk, []).append(name)
    return {pk: "、".join(items) for pk, items in names.items()}


def visit_school_names(user: User, pks: Sequence[int]) -> dict[int, str]:
    links = VisitSchool.objects.filter(visit_id__in=pks)
    scope = get_scope(user)
    if not scope.everything:
        links = links.filter(school__in=School.objects.visible_to(user))
    return _joined(
        links.order_by("school__name", "school_id").values_list("visit_id", "school__name")
    )


def visit_instructor_names(user: User, pks: Sequence[int]) -> dict[int, str]:
    links = Visit.instructors.through.objects.filter(visit_id__in=pks)
    if not get_scope(user).everything:
        links = links.filter(membership__in=Membership.objects.visible_to(user))
    rows = links.order_by("membership__user_id", "membership_id").values_list(
        "visit_id", "membership__user__full_name", "membership__user__username"
    )
    return _joined((pk, full or username) for pk, full, username in rows)


def visit_indicator_names(user: User, pks: Sequence[int]) -> dict[int, str]:
    rows = Visit.objects.filter(pk__in=pks).values_list("pk", "indicators")
    return {pk: "、".join(str(i) for i in items or []) for pk, items in rows}


def visit_detail_qs(user: User) -> QuerySet[Visit]:
    return visits_for_list(user).select_related("created_by").prefetch_related("attachments")


CALENDAR_PER_DAY = 6


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    visits: list[Visit] = field(default_factory=list)
    more: int = 0  # visits of the day beyond what a cell shows


def month_grid(visits: QuerySet[Visit], year: int, month: int) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month, each day with its visits; one query for the month."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    by_day: dict[date, list[Visit]] = {}
    rows = visits.filter(date__gte=first, date__lte=last).only("id", "date", "title", "status")
    for visit in rows.order_by("date", "id"):
        by_day.setdefault(visit.date, []).append(visit)
    return [
        [
            CalendarDay(
                d,
                d.month == month,
                by_day.get(d, [])[:CALENDAR_PER_DAY],
                max(0, len(by_day.get(d, [])) - CALENDAR_PER_DAY),
            )
            for d in week
        ]
        for week in weeks
    ]


# --- the instructor's workbench ----------------------------------------------------------------

WORKBENCH_LIMIT = 10


@dataclass
class Workbench:
    memberships: list[Membership]
    districts: list[Any]
    schools: list[School]
    school_count: int
    upcoming: list[Visit]
    overdue_planned: list[Visit]
    held_this_year: int
    open_findings: list[Any]
    pending_reviews: list[Any]
    # Each list shows at most WORKBENCH_LIMIT rows; these are how many there are in all.
    upcoming_total: int = 0
    overdue_total: int = 0
    open_findings_total: int = 0
    pending_total: int = 0


def workbench(user: User) -> Workbench:
    """What an instructor needs first: a fixed number of queries however large the province."""
    today = timezone.localdate()
    memberships = list(
        Membership.objects.current().filter(user=user).select_related("group__lead_university")
    )
    mine = [m.pk for m in memberships]
    # Rows annotated with school_count, which the model's type does not know.
    districts: list[Any] = list(
        District.objects.filter(instructors__in=mine)
        .select_related("group")
        .annotate(school_count=Count("assignments", distinct=True))
        .order_by("group_id", "name")
        .distinct()
    )
    district_schools = (
        School.objects.visible_to(user)
        .filter(district_links__district__in=[d.pk for d in districts])
        .select_related("county")
    )
    schools = list(district_schools.order_by("county_id", "name")[:WORKBENCH_LIMIT])
    visits = visits_for_list(user).filter(instructors__user=user)
    upcoming_qs = visits.filter(status="planned", date__gte=today)
    overdue_qs = visits.filter(status="planned", date__lt=today)
    upcoming = _first(upcoming_qs.order_by("date", "id"))
    overdue = _first(overdue_qs.order_by("date", "id"))
    held = visits.filter(status="held", date__year=today.year).count()

    findings = Finding.objects.visible_to(user).select_related("school").order_by("deadline", "pk")
    # Waiting for a school: the findings I raised. Waiting for me: answers to my group's.
    open_qs = findings.filter(
        raised_by__in=mine, status__in=[FindingStatus.OPEN, FindingStatus.RETURNED]
    )
    pending_qs = findings.filter(
        group_id__in=[m.group_id for m in memberships], status=FindingStatus.ANSWERED
    )
    open_findings = _first(with_last_return(open_qs))
    pending = _first(pending_qs)
    return Workbench(
        memberships=memberships,
        districts=districts,
        schools=schools,
        school_count=sum(d.school_count for d in districts),
        upcoming=upcoming,
        overdue_planned=overdue,
        held_this_year=held,
        open_findings=open_findings,
        pending_reviews=pending,
        upcoming_total=_total(upcoming),
        overdue_total=_total(overdue),
        open_findings_total=_total(open_findings),
        pending_total=_total(pending),
    )


def _first(rows: QuerySet[Any]) -> list[Any]:
    """The first rows of a list, each carrying the list's total (a window count, computed
    before the LIMIT): the total costs no query of its own."""
    return list(rows.annotate(list_total=Window(Count("pk")))[:WORKBENCH_LIMIT])


def _total(shown: list[Any]) -> int:
    return shown[0].list_total if shown else 0


# --- coverage of visits ------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def held_visits(year: int | None = None) -> QuerySet[Any]:
    """VisitSchool rows of visits held (in `year` if given): the unit every coverage counts.
    `held_on` is the visit's date while it is held, so this is one index range per school."""
    rows = VisitSchool.objects.filter(held_on__isnull=False)
    if year is not None:
        first, last = year_bounds(year)
        rows = rows.filter(held_on__gte=first, held_on__lte=last)
    return rows


def coverage_schools(user: User, year: int) -> QuerySet[School]:
    """Each school in scope with its held visits of the year and whether it was ever visited,
    read from the pre-aggregate SchoolVisitCount (one row per school and year): a LEFT JOIN
    that the database hashes once, not a count of visits per school over every school in scope
    (≈ 1.9 s for 220,000 schools when the page sorts by it). The county and city come by
    prefetch for the rows shown, not by joins: joined, the database would look them up for
    every school in scope before sorting (≈ 100 ms of the 220,000-school page)."""
    return (
        School.objects.visible_to(user)
        .prefetch_related("county__parent")
        .annotate(
            counted_year=FilteredRelation("visit_counts", condition=Q(visit_counts__year=year)),
            visits_this_year=Coalesce(F("counted_year__held"), Value(0)),
            ever_visited=Exists(SchoolVisitCount.objects.filter(school_id=OuterRef("pk"))),
        )
    )


def coverage_districts(user: User, year: int) -> list[Any]:
    """Districts in scope: schools, schools never visited, schools below the yearly minimum.
    Each figure is a correlated count per district over its schools' rows of the pre-aggregate
    SchoolVisitCount: one query, no loop over schools, no visit counted at reading time."""
    minimum = get_policy().guidance.min_visits_per_school_per_year
    visits_of_year = SchoolVisitCount.objects.filter(
        school_id=OuterRef("school_id"), year=year
    ).values("held")[:1]
    links = DistrictSchool.objects.filter(district=OuterRef("pk"))

    def count(rows: QuerySet[Any]) -> Any:
        counted = rows.values("district").annotate(c=Count("pk")).values("c")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    return list(
        District.objects.visible_to(user)
        .select_related("group", "batch")
        .annotate(
            school_count=count(links),
            never_visited=count(
                links.annotate(
                    seen=Exists(SchoolVisitCount.objects.filter(school_id=OuterRef("school_id")))
                ).filter(seen=False)
            ),
            below_minimum=count(
                links.annotate(
                    n=Coalesce(Subquery(visits_of_year, output_field=IntegerField()), Value(0))
                ).filter(n__lt=minimum)
            ),
        )
        .order_by("group__name", "name")
    )


# --- findings -----------------------------------------------------------------------------------


def with_last_return(findings: QuerySet[Any]) -> QuerySet[Any]:
    """Each finding with the reason, the reviewer and the time of its latest return (退回), so
    that a returned finding always says why and by whom: correlated subqueries, no loop."""
    returned = Rectification.objects.filter(
        finding=OuterRef("pk"), verdict=Verdict.RETURNED
    ).order_by("-reviewed_at", "-pk")
    annotated: QuerySet[Any] = findings.annotate(
        return_reason=Subquery(returned.values("reason")[:1]),
        returned_by=Subquery(returned.values("reviewed_by__full_name")[:1]),
        returned_at=Subquery(returned.values("reviewed_at")[:1]),
    )
    return annotated


def findings_for_list(user: User) -> QuerySet[Any]:
    return with_last_return(
        Finding.objects.visible_to(user).select_related(
            "school__county__parent", "raised_by__user", "group"
        )
    )


def visit_findings(user: User, visit: Visit) -> list[Any]:
    """The findings raised on a visit that the user may see, oldest first."""
    return list(findings_for_list(user).filter(visit=visit).order_by("found_on", "pk"))


def finding_counts(user: User) -> dict[str, Any]:
    """Findings in scope counted by status, by city and by indicator: three GROUP BYs."""
    qs = findings_for_list(user).order_by()
    today = timezone.localdate()
    open_q = ~Q(status=FindingStatus.CLOSED)
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")))
    return {
        "by_status": [(label, by_status.get(value, 0)) for value, label in FindingStatus.choices],
        "overdue": qs.filter(overdue_q(today)).count(),
        "by_region": list(
            qs.values("school__county__parent__name")
            .annotate(
                total=Count("pk"),
                open=Count("pk", filter=open_q),
                overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
            )
            .order_by("school__county__parent__name")
        ),
        "by_indicator": list(
            qs.values("indicator")
            .annotate(total=Count("pk"), open=Count("pk", filter=open_q))
            .order_by("-total", "indicator")[:30]
        ),
    }


def visit_counts(group_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """Per guidance group, the year's held visits, the schools they reached, the findings raised
    and closed, and who led the visits (every instructor present) — for the annual report.
    Four grouped queries whatever the number of groups."""
    figures: dict[int, dict[str, Any]] = {
        pk: {
            "visits": 0,
            "schools_visited": 0,
            "findings_raised": 0,
            "findings_closed": 0,
            "led_by": {},
        }
        for pk in group_ids
    }
    held = Visit.objects.filter(group_id__in=group_ids, status=VisitStatus.HELD, date__year=year)
    for pk, n in held.values_list("group_id").annotate(n=Count("id")).values_list("group_id", "n"):
        figures[pk]["visits"] = n
    for pk, n in (
        VisitSchool.objects.filter(visit__in=held)
        .values_list("visit__group_id")
        .annotate(n=Count("school_id", distinct=True))
        .values_list("visit__group_id", "n")
    ):
        figures[pk]["schools_visited"] = n
    for pk, raised, closed in (
        Finding.objects.filter(group_id__in=group_ids, found_on__year=year)
        .values_list("group_id")
        .annotate(r=Count("id"), c=Count("id", filter=Q(status=FindingStatus.CLOSED)))
        .values_list("group_id", "r", "c")
    ):
        figures[pk]["findings_raised"], figures[pk]["findings_closed"] = raised, closed
    for pk, user_id, n in (
        held.values_list("group_id", "instructors__user_id")
        .annotate(n=Count("id"))
        .values_list("group_id", "instructors__user_id", "n")
    ):
        if user_id is not None:
            figures[pk]["led_by"][user_id] = n
    return figures


# --- the school picker of a visit recorded in the field ---------------------------------------

FIELD_RECENT = 5
FIELD_RESULTS = 20


@lru_cache(maxsize=65_536)
def name_initials(name: str) -> str:
    """The pinyin initials of a name (“湘东区第一小学” → “xdqdyxx”), as typed on a phone.

    Computed once per name and process: 12,000 names take about half a second the first time,
    then nothing, and a renamed school is simply a new name (no stored copy to keep in step)."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


class SchoolChoice(NamedTuple):
    id: int
    name: str
    county: str
    initials: str
    recent: bool = False


def recent_school_ids(user: User, group_ids: list[int]) -> list[int]:
    """The schools of the user's latest visits for these groups, most recent first."""
    rows = (
        VisitSchool.objects.filter(visit__group_id__in=group_ids)
        .filter(Q(visit__created_by=user) | Q(visit__instructors__user=user))
        .order_by("-visit__date", "-visit_id")
        .values_list("school_id", flat=True)[:50]
    )
    return list(dict.fromkeys(rows))[:FIELD_RECENT]


def _choices(rows: Any, recent: list[int]) -> list[SchoolChoice]:
    """(pk, name, county) rows as choices, the recent ones first (in their order), the rest as
    they came (by county and name)."""
    rank = {pk: i for i, pk in enumerate(recent)}
    choices = [
        SchoolChoice(pk, name, county or "", name_initials(name), pk in rank)
        for pk, name, county in rows
    ]
    if rank:
        choices.sort(key=lambda c: rank.get(c.id, FIELD_RECENT))  # stable
    return choices


def _guided_rows(group_ids: list[int]) -> QuerySet[Any]:
    return (
        guided_schools(group_ids)
        .order_by("county_id", "name")
        .values_list("pk", "name", "county__name")
    )


def field_schools(user: User, group_ids: list[int]) -> list[SchoolChoice]:
    """Every school the groups guide (the picker's whole list, kept on the phone for offline
    search), the user's recent schools first, then by county and name. Two queries, whatever
    the number of schools."""
    return _choices(_guided_rows(group_ids), recent_school_ids(user, group_ids))


def search_field_schools(
    user: User, group_ids: list[int], text: str, limit: int = FIELD_RESULTS
) -> list[SchoolChoice]:
    """The picker's matches: the name or the county containing the text, or the name's pinyin
    initials starting with (then containing) it; recent schools first. No text: the recent.

    Text with Chinese characters is matched by the database (name or county); letters are
    matched against the initials of every school in scope, computed once per name."""
    recent = recent_school_ids(user, group_ids)
    needle = "".join(text.split()).lower()
    rows = _guided_rows(group_ids)
    if not needle:
        return _choices(rows.filter(pk__in=recent), recent)
    if not needle.isascii():
        rows = rows.filter(Q(name__icontains=needle) | Q(county__name__icontains=needle))

    rank = {pk: i for i, pk in enumerate(recent)}
    found: list[tuple[int, int, int, SchoolChoice]] = []
    for order, (pk, name, county) in enumerate(rows):
        initials = name_initials(name)
        if needle in name.lower() or initials.startswith(needle):
            score = 0
        elif needle in (county or "").lower() or needle in initials:
            score = 1
        else:
            continue
        choice = SchoolChoice(pk, name, county or "", initials, pk in rank)
        found.append((rank.get(pk, FIELD_RECENT), score, order, choice))
    found.sort(key=lambda row: row[:3])
    return [row[3] for row in found[:limit]]
