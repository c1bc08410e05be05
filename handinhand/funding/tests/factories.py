"""Shared set-ups of the funding tests on the fixed cast: the 南昌大学 unit and its contact as
the finance contact, an approved allocation, a disbursement and expenses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from handinhand.funding import services
from handinhand.funding.models import Allocation, Disbursement, Expense
from handinhand.incentives.tests.factories import ncu_unit

YEAR = timezone.localdate().year - 1
_numbers = iter(range(1, 1_000_000))


def doc(prefix: str = "赣教工委财") -> str:
    return f"{prefix}〔{YEAR}〕{next(_numbers)}号"


def finance(cast: Any) -> Any:
    """The 南昌大学 unit contact, who keeps the university's ledger."""
    ncu_unit(cast)
    return cast.unit_contact


def approved(cast: Any, year: int = YEAR) -> Allocation:
    return services.allocation_approve(
        actor=cast.province_admin,
        university=cast.universities["ncu"],
        year=year,
        doc_number=doc(),
        approved_on=dt.date(year, 3, 1),
    )


def disbursed(cast: Any, amount: str = "20000.00", year: int = YEAR) -> Disbursement:
    return services.disbursement_create(
        actor=cast.province_admin,
        university=cast.universities["ncu"],
        year=year,
        date=dt.date(year, 3, 10),
        amount=amount,
        doc_number=doc(),
    )


def spent(cast: Any, amount: str = "320.50", day: dt.date | None = None, **extra: Any) -> Expense:
    return services.expense_create(
        actor=finance(cast),
        university=cast.universities["ncu"],
        year=(day or dt.date(YEAR, 4, 2)).year,
        date=day or dt.date(YEAR, 4, 2),
        category=extra.pop("category", "交通差旅"),
        amount=amount,
        payee="萍乡客运",
        purpose="赴湘东区指导交通费",
        **extra,
    ).expense
