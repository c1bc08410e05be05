"""How dates and numbers read on every page and document (DESIGN §5), in one place.

Templates use them through `{% load formats %}` (core/templatetags/formats.py); Python code that
writes for people (exports, Word documents, messages) calls them directly. Each follows the
active language through Django's format modules (config/formats/<lang>/formats.py):

    day        2026年11月30日        30 Nov 2026
    daytime    2026年11月30日 13:09  30 Nov 2026 13:09
    clock      13:09                13:09
    num        1,500                1,500
    score      74.5                 74.5   (decimals of the policy's score step, at least one)
    money      ¥15,000.00           ¥15,000.00
    percent    37.5%                37.5%

Nothing (None, "") reads "—" so that an empty cell is visibly empty, not "None".
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import formats as django_formats
from django.utils import timezone

from handinhand.core.policy import get_policy

EMPTY = "—"


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _local(value: dt.datetime) -> dt.datetime:
    # An aware datetime is shown in the programme's time zone (Asia/Shanghai), not UTC.
    return timezone.localtime(value) if timezone.is_aware(value) else value


def day(value: Any, empty: str = EMPTY) -> str:
    """A calendar day, with its year (a datetime is shown as its local day)."""
    if _empty(value):
        return empty
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    if not isinstance(value, dt.date):
        return str(value)
    return django_formats.date_format(value, "DATE_FORMAT")


def daytime(value: Any, empty: str = EMPTY, *, seconds: bool = False) -> str:
    """A moment, to the minute (to the second for the audit log), in local time."""
    if _empty(value):
        return empty
    if not isinstance(value, dt.datetime):
        return day(value, empty)
    fmt = django_formats.get_format("DATETIME_FORMAT")
    return django_formats.date_format(
        _local(value), fmt.replace("H:i", "H:i:s") if seconds else fmt
    )


def clock(value: Any, empty: str = EMPTY) -> str:
    """The time of day, 24-hour (13:09)."""
    if _empty(value):
        return empty
    if isinstance(value, dt.datetime):
        value = _local(value).time()
    if not isinstance(value, dt.time):
        return str(value)
    return django_formats.time_format(value, "TIME_FORMAT")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _grouped(amount: Decimal, places: int) -> str:
    quantized = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return django_formats.number_format(quantized, places, use_l10n=True, force_grouping=True)


def num(value: Any, places: int = 0, empty: str = EMPTY) -> str:
    """A count or amount with thousands grouped by commas (1,500), `places` decimals."""
    if _empty(value):
        return empty
    amount = _decimal(value)
    if amount is None:
        return str(value)
    return _grouped(amount, places)


def score_places() -> int:
    """Decimals a score is shown with: those of the policy's score step (0.5 → 1, 0.25 → 2),
    at least one so that 74 and 74.5 line up as 74.0 and 74.5."""
    step = Decimal(str(get_policy().indicators.score_step)).normalize()
    exponent = step.as_tuple().exponent
    return max(1, -exponent if isinstance(exponent, int) else 1)


def score(value: Any, empty: str = EMPTY) -> str:
    """A score (74.5): the policy's precision, grouped like any number."""
    return num(value, score_places(), empty)


def money(value: Any) -> str:
    """¥ with thousands separators and two places; a negative amount keeps its sign in front
    (-¥500.00)."""
    if _empty(value):
        return EMPTY
    amount = _decimal(value)
    if amount is None:
        return str(value)
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""  # after rounding: -0.001 reads ¥0.00, not -¥0.00
    return f"{sign}¥{_grouped(abs(amount), 2)}"


def shown(value: Any) -> Any:
    """A value of unknown type in a generic table or tile (lists, workbench figures): counts
    grouped, days and moments in the one format, anything else as it is (so that booleans,
    text and already formatted strings pass through)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return num(value)
    if isinstance(value, dt.datetime):
        return daytime(value)
    if isinstance(value, dt.date):
        return day(value)
    return value


def percent(value: Any, places: int = 1, empty: str = EMPTY) -> str:
    """A ratio (0.375) as a percentage (37.5%)."""
    if _empty(value):
        return empty
    ratio = _decimal(value)
    if ratio is None:
        return str(value)
    return f"{_grouped(ratio * 100, places)}%"
