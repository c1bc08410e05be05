"""Opening evaluation cycles: evaluations for every school in scope, in the background."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.indicators.models import (
    CycleJob,
    CycleScope,
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    JobStatus,
)
from handinhand.indicators.services import cycle_job_run, cycle_open
from handinhand.indicators.tests.conftest import IMMEDIATE, make_draft
from handinhand.orgs.models import Region, School

pytestmark = pytest.mark.django_db


def test_opening_a_cycle_creates_one_evaluation_per_school(cast, cycle):
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN
    assert cycle.evaluations.count() == School.objects.count() == 5
    assert set(cycle.evaluations.values_list("status", flat=True)) == {EvaluationStatus.NOT_STARTED}
    job = CycleJob.objects.get(cycle=cycle)
    assert (job.status, job.total, job.done, job.percent) == (JobStatus.DONE, 5, 5, 100)
    events = AuditEvent.objects.filter(object_type="indicators.evaluationcycle")
    assert events.filter(action=AuditAction.CREATE).count() == 2  # the cycle, its evaluations
    assert events.filter(changes__evaluations=[None, 5]).exists()


def test_running_the_job_again_creates_nothing_twice(cast, cycle):
    job = cycle_job_run(cycle.job.pk)
    assert job.total == 5 and cycle.evaluations.count() == 5


def test_batch_and_region_scopes(cast, sample, settings):
    settings.TASKS = IMMEDIATE
    batch = cycle_open(
        actor=cast.province_admin,
        framework=sample,
        name="批次",
        year=2025,
        scope=CycleScope.BATCH,
        batch=cast.batch,
    )
    # The pilot pairs 萍乡, 新余, 鹰潭: every school but the one in 南昌.
    assert set(batch.evaluations.values_list("school", flat=True)) == {
        cast.school.pk,
        cast.school_anyuan.pk,
        cast.school_xinyu.pk,
        cast.school_yingtan.pk,
    }
    region = cycle_open(
        actor=cast.province_admin,
        framework=sample,
        name="萍乡",
        year=2025,
        scope=CycleScope.REGION,
        region=Region.objects.get(code="360300"),
    )
    assert region.evaluations.count() == 2


def test_bad_cycles_are_refused(cast, sample, settings):
    settings.TASKS = IMMEDIATE
    with pytest.raises(PermissionDeniedError):
        cycle_open(actor=cast.city_user, framework=sample, name="x", year=2025)
    with pytest.raises(ValidationError) as exc:
        cycle_open(actor=cast.province_admin, framework=make_draft(cast), name="x", year=2025)
    assert "framework" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        cycle_open(
            actor=cast.province_admin,
            framework=sample,
            name="x",
            year=2025,
            scope=CycleScope.REGION,
        )
    assert "region" in exc.value.error_dict
    with pytest.raises(ValidationError, match="没有学校"):
        cycle_open(
            actor=cast.province_admin,
            framework=sample,
            name="x",
            year=2025,
            scope=CycleScope.REGION,
            region=Region.objects.get(code="360400"),  # 九江: no school in the cast
        )
    assert not EvaluationCycle.objects.exists()


def test_evaluations_follow_school_scope(cast, cycle):
    assert set(
        Evaluation.objects.visible_to(cast.school_user).values_list("school", flat=True)
    ) == {cast.school.pk}
    assert Evaluation.objects.visible_to(cast.city_user).count() == 2
    assert Evaluation.objects.visible_to(cast.audit_admin).count() == 0


def test_cycle_pages(cast, cycle, client_for, settings, django_assert_max_num_queries):
    settings.TASKS = IMMEDIATE
    client = client_for(cast.province_admin)
    response = client.post(
        reverse("indicators:cycle_create"),
        {"framework": cycle.framework.pk, "name": "2026年度", "year": 2026, "scope": "all"},
    )
    assert response.status_code == 302
    new = EvaluationCycle.objects.get(name="2026年度")
    assert new.evaluations.count() == 5
    client = client_for(cast.city_user)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("indicators:cycle_list")).content.decode()
    assert "2025年度" in html and "2026年度" in html
    with django_assert_max_num_queries(12):
        response = client.get(reverse("indicators:cycle_detail", args=[cycle.pk]))
    html = response.content.decode()
    assert "已生成 5 / 5 所学校的评估" in html
    assert 'hx-trigger="every 1s"' not in html  # done: no more polling
    fragment = client.get(reverse("indicators:cycle_progress", args=[cycle.pk]))
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


def test_a_pending_job_is_polled(cast, sample, client_for, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    cycle = cycle_open(actor=cast.province_admin, framework=sample, name="待生成", year=2025)
    html = (
        client_for(cast.province_admin)
        .get(reverse("indicators:cycle_detail", args=[cycle.pk]))
        .content.decode()
    )
    assert 'hx-trigger="every 1s"' in html and "排队中" in html
