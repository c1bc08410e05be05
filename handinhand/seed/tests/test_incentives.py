from __future__ import annotations

import pytest

from handinhand.accounts.models import RoleAssignment, User
from handinhand.incentives.models import Assessment, AssessmentYear, Priority
from handinhand.orgs.models import Unit
from handinhand.seed import incentives as synthetic

pytestmark = pytest.mark.django_db


def test_extend_builds_units_and_a_final_year_within_the_cap(cast):
    User.objects.filter(pk__in=[cast.instructor.pk, cast.leader.pk]).update(work_unit="南昌大学")
    User.objects.filter(pk=cast.city_user.pk).update(work_unit="萍乡市教育局")
    counts = synthetic.extend("pilot", seed=1)
    assert counts["assessments"] == 4
    assert User.objects.get(pk=cast.instructor.pk).unit == Unit.objects.get(name="南昌大学")
    assert Unit.objects.get(name="萍乡市教育局").region_id == "360300"
    assert RoleAssignment.objects.filter(role="unit_contact").count() == 1
    assert AssessmentYear.objects.get().status == "final"
    assert not Assessment.objects.exclude(status="confirmed").exists()
    # 30 % of 2, 1 and 1 participants: no 优秀 fits anywhere.
    assert not Priority.objects.exists()
    assert synthetic.extend("pilot", seed=1) == {}
