"""Synthetic guidance work: reproducible, within the guided schools, in every status."""

from __future__ import annotations

from handinhand.guidance.models import Finding, Visit, VisitSchool
from handinhand.guidance.services import guided_schools
from handinhand.seed import guidance as synthetic


def test_extend_adds_visits_and_findings_reproducibly(cast):
    counts = synthetic.extend("pilot", seed=7, scale=1.0)
    assert counts["guidance.visit"] == Visit.objects.count() > 0
    assert counts["guidance.finding"] == Finding.objects.count()
    guided = set(guided_schools([g.pk for g in cast.groups.values()]).values_list("pk", flat=True))
    assert set(VisitSchool.objects.values_list("school_id", flat=True)) <= guided
    held = VisitSchool.objects.filter(visit__status="held")
    assert held.filter(held_on__isnull=True).count() == 0
    first = list(Visit.objects.order_by("pk").values_list("date", "form", "group_id"))
    Finding.objects.all().delete()
    VisitSchool.objects.all().delete()
    Visit.objects.all().delete()
    synthetic.extend("pilot", seed=7, scale=1.0)
    assert list(Visit.objects.order_by("pk").values_list("date", "form", "group_id")) == first
