"""How numbers read on every page and document (DESIGN §5): money as ¥15,000.00."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


def money(value: Any) -> str:
    """¥ with thousands separators and two places; a negative amount keeps its sign in front
    (-¥500.00); nothing (None, "") reads "—"."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
