"""The annual report's visit figures (guidance.selectors.visit_counts) against the records."""

import datetime as dt

from handinhand.guidance.models import Finding, FindingStatus, Visit, VisitSchool, VisitStatus
from handinhand.guidance.selectors import visit_counts


def test_visit_counts_per_group_equal_the_records(cast):
    ncu = cast.groups["ncu"]
    held = Visit.objects.create(
        group=ncu,
        date=dt.date(2025, 5, 6),
        duration_hours=2,
        form="实地指导",
        status=VisitStatus.HELD,
        title="到校指导",
        created_by=cast.instructor,
    )
    VisitSchool.objects.create(visit=held, school=cast.school, held_on=held.date)
    VisitSchool.objects.create(visit=held, school=cast.school_anyuan, held_on=held.date)
    held.instructors.add(cast.membership)
    Visit.objects.create(
        group=ncu,
        date=dt.date(2025, 6, 1),
        duration_hours=1,
        form="实地指导",
        status=VisitStatus.PLANNED,
        title="计划",
        created_by=cast.instructor,
    )
    Visit.objects.create(
        group=ncu,
        date=dt.date(2024, 6, 1),
        duration_hours=1,
        form="实地指导",
        status=VisitStatus.HELD,
        title="上一年",
        created_by=cast.instructor,
    )
    for status in (FindingStatus.OPEN, FindingStatus.CLOSED):
        Finding.objects.create(
            school=cast.school,
            group=ncu,
            visit=held,
            raised_by=cast.membership,
            found_on=dt.date(2025, 5, 6),
            deadline=dt.date(2025, 6, 6),
            problem="组织生活记录不全",
            severity="一般",
            status=status,
        )
    figures = visit_counts([ncu.pk, cast.groups["ecjtu"].pk], 2025)
    assert figures[ncu.pk] == {
        "visits": 1,
        "schools_visited": 2,
        "findings_raised": 2,
        "findings_closed": 1,
        "led_by": {cast.instructor.pk: 1},
    }
    assert figures[cast.groups["ecjtu"].pk]["visits"] == 0
