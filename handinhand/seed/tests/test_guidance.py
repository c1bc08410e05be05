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
    # The bulk load fills the coverage pages' pre-aggregate too.
    from handinhand.guidance.tests.test_visit_counts import from_base_rows, pre_aggregated

    assert pre_aggregated() == from_base_rows() != set()
    assert counts["guidance.schoolvisitcount"] == len(from_base_rows())
    first = list(Visit.objects.order_by("pk").values_list("date", "form", "group_id"))
    Finding.objects.all().delete()
    VisitSchool.objects.all().delete()
    Visit.objects.all().delete()
    synthetic.extend("pilot", seed=7, scale=1.0)
    assert list(Visit.objects.order_by("pk").values_list("date", "form", "group_id")) == first


def test_answered_returned_and_closed_findings_have_their_answer_and_verdict(cast):
    from handinhand.guidance.models import Rectification

    synthetic.extend("pilot", seed=7, scale=1.0)
    past_open = Finding.objects.exclude(status="open")
    assert past_open.exists()
    assert not past_open.filter(answers__isnull=True).exists()
    for finding in Finding.objects.filter(status="returned"):
        answer = finding.answers.get()
        assert answer.verdict == "returned" and answer.reason and answer.reviewed_by_id
    assert not Rectification.objects.filter(finding__status="answered").exclude(verdict="").exists()
    closed = Rectification.objects.filter(finding__status="closed")
    assert set(closed.values_list("verdict", flat=True)) <= {"accepted"}
