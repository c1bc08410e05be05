from __future__ import annotations

import pytest

from handinhand.funding.models import Allocation, Expense, MonthClose
from handinhand.funding.selectors import ledger_totals
from handinhand.funding.tests.factories import YEAR
from handinhand.seed import funding as synthetic

pytestmark = pytest.mark.django_db


def test_extend_builds_two_years_of_ledgers(cast):
    counts = synthetic.extend("pilot", seed=1, lines_per_month=3)
    assert counts["allocations"] == 6  # three lead universities, two years
    assert MonthClose.objects.filter(year=YEAR).count() == 36
    assert Expense.objects.filter(year=YEAR).count() == 3 * 12 * 3
    ncu = cast.universities["ncu"].pk
    totals = ledger_totals([ncu], YEAR)[ncu]
    assert totals.allocated == Allocation.objects.get(university_id=ncu, year=YEAR).amount
    assert totals.disbursed == totals.allocated and totals.spent > 0
    assert synthetic.extend("pilot", seed=1) == {}
