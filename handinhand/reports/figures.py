"""The figures of the annual reports, computed for many groups at once.

Every figure is one grouped query over all the groups asked for (never a query per group), so
that drafting the whole province's reports costs the same dozen queries as drafting one.
Figures of other apps (meetings, visits, evaluations) come through `core.registry.group_figures`,
which those apps fill at start-up: a figure whose app is not installed shows as a dash.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handinhand.core import formats
from handinhand.core.formats import money
from handinhand.core.policy import get_policy
from handinhand.core.registry import GroupFigures, group_figures
from handinhand.programme.models import (
    District,
    DistrictSchool,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)
from handinhand.training.selectors import hours_by_user


def optional_selector(name: str) -> GroupFigures | None:
    """The figures another app registered under `name`: None while no installed app has."""
    return group_figures.get(name)


def memberships_in_year(group_ids: Sequence[int], year: int) -> Any:
    """Memberships whose term touches `year` (ended ones keep their term_end)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Membership.objects.filter(group_id__in=group_ids, term_start__lte=end).filter(
        Q(term_end__isnull=True, is_active=True) | Q(term_end__gte=start)
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def compute_figures(group_ids: Sequence[int], year: int) -> dict[int, dict[str, Any]]:
    group_ids = list(group_ids)
    end = dt.date(year, 12, 31)
    figures: dict[int, dict[str, Any]] = {
        pk: {
            "year": year,
            "members": 0,
            "roles": {},
            "leader": None,
            "paired_regions": [],
            "districts": 0,
            "schools": 0,
        }
        for pk in group_ids
    }

    # Members, by role, and the leader (the one in office at the year's end, else the last).
    members: dict[int, set[int]] = defaultdict(set)
    leader_rows = []
    for group_id, user_id, role, name, is_active in (
        memberships_in_year(group_ids, year)
        .order_by("term_start", "pk")
        .values_list("group_id", "user_id", "role", "user__full_name", "is_active")
    ):
        members[group_id].add(user_id)
        roles = figures[group_id]["roles"]
        roles[role] = roles.get(role, 0) + 1
        if role == MemberRole.LEADER:
            leader_rows.append((group_id, user_id, name, is_active))
    for group_id, user_id, name, is_active in leader_rows:
        current = figures[group_id]["leader"]
        if current is None or is_active or not current.get("active"):
            figures[group_id]["leader"] = {"user_id": user_id, "name": name, "active": is_active}
    for group_id, users in members.items():
        figures[group_id]["members"] = len(users)

    for group_id, region in (
        Pairing.objects.filter(group_id__in=group_ids, since__lte=end)
        .order_by("region_id")
        .values_list("group_id", "region__name")
    ):
        figures[group_id]["paired_regions"].append(region)
    for group_id, n in (
        District.objects.filter(group_id__in=group_ids)
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    ):
        figures[group_id]["districts"] = n
    for group_id, n in (
        DistrictSchool.objects.filter(district__group_id__in=group_ids)
        .values("district__group_id")
        .annotate(n=Count("school_id", distinct=True))
        .values_list("district__group_id", "n")
    ):
        figures[group_id]["schools"] = n

    # Training hours of the year's members: one grouped query over every member.
    minimum = Decimal(str(get_policy().training.min_hours_per_year))
    hours = hours_by_user(year, memberships_in_year(group_ids, year).values("user_id"))
    for group_id in group_ids:
        mine = [hours.get(u, Decimal("0")) for u in members.get(group_id, ())]
        figures[group_id]["training"] = {
            "hours": sum(mine, Decimal("0")),
            "members_met": sum(1 for h in mine if h >= minimum),
            "min_hours": f"{minimum.normalize():f}",
        }

    meeting_counts = optional_selector("meeting_counts")
    visit_counts = optional_selector("visit_counts")
    evaluation_counts = optional_selector("evaluation_counts")
    assessment_counts = optional_selector("assessment_counts")
    meetings = meeting_counts(group_ids, year) if meeting_counts else None
    visits = visit_counts(group_ids, year) if visit_counts else None
    evaluations = evaluation_counts(group_ids, year) if evaluation_counts else None
    assessments = assessment_counts(group_ids, year) if assessment_counts else {}
    funding_figures = optional_selector("funding")
    funding = funding_figures(group_ids, year) if funding_figures else {}
    for group_id, fig in figures.items():
        leader_id = (fig["leader"] or {}).get("user_id")
        fig["meetings"] = None
        fig["leader_meetings_chaired"] = None
        if meetings is not None:
            m = meetings.get(group_id, {"owed": 0, "held": 0, "chaired_by": {}})
            fig["meetings"] = {"owed": m.get("owed", 0), "held": m.get("held", 0)}
            chaired = m.get("chaired_by", {}) or {}
            fig["leader_meetings_chaired"] = chaired.get(leader_id, 0) if leader_id else 0
        fig["visits"] = visits.get(group_id, {}) if visits is not None else None
        fig["leader_visits_led"] = None
        if visits is not None:
            led_by = fig["visits"].get("led_by", {}) or {}
            fig["leader_visits_led"] = led_by.get(leader_id, 0) if leader_id else 0
        fig["evaluations"] = evaluations.get(group_id, {}) if evaluations is not None else None
        # Only the groups whose members were assessed that year (the provincial ones).
        fig["assessment"] = assessments.get(group_id)
        # Only provincial groups are funded (through their lead university): others have none.
        fig["funding"] = funding.get(group_id)
    return {pk: _jsonable(fig) for pk, fig in figures.items()}


def active_group_ids() -> list[int]:
    return list(
        GuidanceGroup.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )


NO_DATA = gettext_lazy("暂无数据")
MISSING = "—"

# Labels of the keys the guidance and indicators selectors are expected to return.
OPTIONAL_LABELS = {
    "visits": gettext_lazy("指导活动次数"),
    "schools_visited": gettext_lazy("到校指导学校数"),
    "findings_raised": gettext_lazy("发现问题数"),
    "findings_closed": gettext_lazy("问题整改销号数"),
    "evaluations": gettext_lazy("开展评估学校数"),
    "confirmed": gettext_lazy("评估确认数"),
    "average_score": gettext_lazy("平均得分"),
}


def _optional_rows(data: dict[str, Any] | None, what: str) -> list[tuple[str, Any]]:
    if data is None:
        return [(what, NO_DATA)]
    rows = [(str(OPTIONAL_LABELS.get(k, k)), v) for k, v in data.items() if not isinstance(v, dict)]
    return rows or [(what, 0)]


def _assessment_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        (_("考核状态"), data.get("status") or MISSING),
        (_("参加考核人数"), data.get("participants", 0)),
        (_("不参加考核人数"), data.get("exempt", 0)),
    ]
    if not data.get("public"):
        return [*rows, (_("考核等次"), _("公示后公布"))]
    return [*rows, *[(_("等次：%(g)s") % {"g": g}, n) for g, n in data.get("grades", {}).items()]]


def _rate(value: Any) -> str:
    return formats.percent(value, empty=MISSING)


def funding_rows(funding: dict[str, Any]) -> list[tuple[str, Any]]:
    """经费使用情况: the lead university's year, money as ¥15,000.00."""
    carry_in = Decimal(str(funding.get("carry_in") or 0))
    top = funding.get("top_categories") or []
    return [
        (_("牵头高校"), funding.get("university") or MISSING),
        (_("核定经费"), money(funding.get("allocated"))),
        *([(_("上年结转"), money(carry_in))] if carry_in else []),
        (_("已下拨"), money(funding.get("disbursed"))),
        (_("已支出"), money(funding.get("spent"))),
        (_("结余"), money(funding.get("balance"))),
        (_("执行率"), _rate(funding.get("rate"))),
        (
            _("主要支出类别"),
            "；".join(f"{category} {money(amount)}" for category, amount in top) or MISSING,
        ),
    ]


def figure_sections(fig: dict[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The report's tables: (heading, [(label, value)]) — for the page and the .docx alike."""
    roles = fig.get("roles", {})
    meetings = fig.get("meetings")
    training = fig.get("training", {})
    leader = fig.get("leader") or {}
    assessment = fig.get("assessment")
    extra = [(_("年度考核情况"), _assessment_rows(assessment))] if assessment else []
    funding = fig.get("funding")
    funding_section = [(_("经费使用情况"), funding_rows(funding))] if funding else []
    return [
        (
            _("基本情况"),
            [
                (_("指导组成员数"), fig.get("members", 0)),
                *[(_("其中：%(role)s") % {"role": r}, n) for r, n in sorted(roles.items())],
                (_("结对地区"), "、".join(fig.get("paired_regions", [])) or MISSING),
                (_("片区数"), fig.get("districts", 0)),
                (_("覆盖学校数"), fig.get("schools", 0)),
            ],
        ),
        (
            _("工作开展情况"),
            [
                (_("应开会议次数"), meetings["owed"] if meetings else MISSING),
                (_("实开会议次数"), meetings["held"] if meetings else MISSING),
                *_optional_rows(fig.get("visits"), _("指导活动")),
                *_optional_rows(fig.get("evaluations"), _("评估")),
                (_("成员培训总学时"), training.get("hours", "0")),
                (
                    _("培训学时达标人数（要求 %(h)s 学时）") % {"h": training.get("min_hours", "")},
                    training.get("members_met", 0),
                ),
            ],
        ),
        (
            _("负责人履职情况"),
            [
                (_("负责人"), leader.get("name") or MISSING),
                (
                    _("主持会议次数"),
                    MISSING
                    if fig.get("leader_meetings_chaired") is None
                    else fig["leader_meetings_chaired"],
                ),
                (
                    _("带队指导次数"),
                    NO_DATA if fig.get("leader_visits_led") is None else fig["leader_visits_led"],
                ),
            ],
        ),
        *extra,
        *funding_section,
    ]
