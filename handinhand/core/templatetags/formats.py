"""{% load formats %}: the one way a page shows a date or a number (see core/formats.py).

    {{ visit.date|day }}          2026年11月30日 / 30 Nov 2026
    {{ job.created_at|daytime }}  2026年11月30日 13:09 / 30 Nov 2026 13:09
    {{ meeting.start_time|clock }} 13:09
    {{ count|num }}               1,500        {{ hours|num:1 }}  2.5
    {{ row.self_total|score }}    74.5
    {{ amount|money }}            ¥15,000.00
    {{ rate|percent }}            37.5%        (a ratio: 0.375)
    {{ cell|shown }}              a generic cell: ints grouped, dates as above, the rest as is

Use these instead of |date:"...", |floatformat, |intcomma or a hand-written ¥. Like Django's
own filters, nothing (None, "") gives "" so that `|default:"—"` still chooses the placeholder;
|money keeps its "—" (an empty amount cell has always read so).
"""

from __future__ import annotations

from typing import Any

from django import template

from handinhand.core import formats

register = template.Library()


@register.filter
def day(value: Any) -> str:
    return formats.day(value, empty="")


@register.filter
def daytime(value: Any) -> str:
    return formats.daytime(value, empty="")


@register.filter
def clock(value: Any) -> str:
    return formats.clock(value, empty="")


@register.filter
def num(value: Any, places: int = 0) -> str:
    return formats.num(value, int(places), empty="")


@register.filter
def score(value: Any) -> str:
    return formats.score(value, empty="")


@register.filter
def money(value: Any) -> str:
    return formats.money(value)


@register.filter
def percent(value: Any, places: int = 1) -> str:
    return formats.percent(value, int(places), empty="")


@register.filter
def shown(value: Any) -> Any:
    return formats.shown(value)
