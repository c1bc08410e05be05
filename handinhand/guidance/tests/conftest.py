from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from handinhand.guidance.models import Visit, VisitStatus
from handinhand.guidance.services import visit_plan


def plan_visit(cast: Any, **extra: Any) -> Visit:
    fields: dict[str, Any] = {
        "actor": cast.instructor,
        "group": cast.groups["ncu"],
        "date": timezone.localdate() - dt.timedelta(days=3),
        "duration_hours": Decimal("2.5"),
        "form": "实地指导",
        "title": "湘东一小党建指导",
        "schools": [cast.school],
        "instructors": [cast.membership],
        "content": "检查“三会一课”记录",
        "indicators": ["3.2.1 三会一课"],
        "status": VisitStatus.HELD,
    }
    fields.update(extra)
    return visit_plan(**fields)


@pytest.fixture
def visit(cast: Any) -> Visit:
    return plan_visit(cast)


def raise_finding(cast: Any, **extra: Any) -> Any:
    from handinhand.guidance.services import finding_raise

    fields: dict[str, Any] = {
        "actor": cast.instructor,
        "school": cast.school,
        "problem": "“三会一课”记录不全",
        "indicator": "3.2.1",
        "severity": "major",
        "found_on": timezone.localdate() - dt.timedelta(days=5),
        "deadline": timezone.localdate() + dt.timedelta(days=25),
    }
    fields.update(extra)
    return finding_raise(**fields)


@pytest.fixture
def finding(cast: Any) -> Any:
    return raise_finding(cast)
