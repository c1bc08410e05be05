"""For any sequence of allocations, disbursements, expenses and corrections: balance =
allocated + adjustments − spent exactly in Decimal, and the sums by category and by month add
up to what was spent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handinhand.funding import selectors, services
from handinhand.funding.models import Expense
from handinhand.funding.tests.factories import YEAR, approved, doc, finance

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c) / 100)
step = st.one_of(
    st.tuples(
        st.just("expense"),
        cents,
        st.integers(1, 12),
        st.sampled_from(["交通差旅", "劳务", "资料印刷", "会议", "培训", "其他"]),
    ),
    st.tuples(st.just("correct"), cents, st.integers(1, 12), st.just("")),
    st.tuples(st.just("disburse"), cents, st.integers(1, 12), st.just("")),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_balance_and_breakdowns_add_up(cast, steps):
    # Each example starts from an empty ledger (corrections first: they point at their line).
    Expense.objects.filter(kind="correction").delete()
    Expense.objects.all().delete()
    uni = cast.universities["ncu"]
    contact = finance(cast)
    allocation = approved(cast) if not hasattr(cast, "_allocated") else cast._allocated
    cast._allocated = allocation
    for kind, amount, month, category in steps:
        day = dt.date(YEAR, month, 15)
        try:
            if kind == "expense":
                services.expense_create(
                    actor=contact,
                    university=uni,
                    year=YEAR,
                    date=day,
                    category=category,
                    amount=amount,
                    payee="p",
                    purpose="q",
                )
            elif kind == "correct":
                last = Expense.objects.filter(university=uni, year=YEAR).order_by("-pk").first()
                if last is not None:
                    services.expense_correct(
                        actor=contact,
                        expense=last,
                        amount=-min(amount, last.amount),
                        date=day,
                        reason="更正",
                    )
            else:
                services.disbursement_create(
                    actor=cast.province_admin,
                    university=uni,
                    year=YEAR,
                    date=day,
                    amount=amount,
                    doc_number=doc(),
                )
        except ValidationError:
            pass  # a refused step (over the allocation, a reversal below zero) writes nothing
    totals = selectors.ledger_totals([uni.pk], YEAR)[uni.pk]
    lines = list(Expense.objects.filter(university=uni, year=YEAR).values_list("amount", flat=True))
    spent = sum(lines, Decimal("0.00"))
    assert totals.spent == spent
    assert totals.balance == totals.allocated + totals.carry_in - spent
    assert totals.allocated == allocation.amount
    assert totals.disbursed <= totals.allocated
    ex = selectors.execution(uni, YEAR)
    assert sum((a for _c, a in ex.by_category), Decimal("0.00")) == spent
    assert sum(ex.by_month, Decimal("0.00")) == spent
    assert all(isinstance(v, Decimal) for v in (totals.balance, totals.spent))
