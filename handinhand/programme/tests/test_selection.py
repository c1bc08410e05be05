"""遴选 and the rollout plan (issue 11): selection rounds with their decisions and record, the
lead universities they make, the batch's plan, handovers of paired cities, coverage of the
province (only batches in force, the plan apart), the inbox items, and the scope of every new
page (the province's alone: everyone else gets 404)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from handinhand.conftest import Cast
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.inbox import inbox_count, inbox_items
from handinhand.core.models import AuditEvent
from handinhand.core.registry import TimelineEvent, timeline_events
from handinhand.orgs.models import Recognition, Region, UniversityRecognition
from handinhand.orgs.tests.factories import UniversityFactory
from handinhand.programme import rollout, selection, selectors, services
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    GroupLevel,
    GuidanceGroup,
    Pairing,
    PairingHandover,
    SelectionDecision,
    SelectionOutcome,
    SelectionRound,
    SelectionStatus,
)

pytestmark = pytest.mark.django_db

SELECTED = SelectionOutcome.SELECTED
REJECTED = SelectionOutcome.REJECTED


def recognise(uni: Any) -> None:
    UniversityRecognition.objects.create(
        university=uni, kind=Recognition.MODEL_SCHOOL, unit_name=uni.name, year=2022
    )


def planned_batch(number: int = 2, **fields: Any) -> Batch:
    return Batch.objects.create(
        number=number, name=f"第{number}批", start_year=2027, status=BatchStatus.PLANNED, **fields
    )


def provincial_group(batch: Batch, uni: Any, name: str) -> GuidanceGroup:
    return GuidanceGroup.objects.create(
        name=name, level=GroupLevel.PROVINCE, region_id="360000", batch=batch, lead_university=uni
    )


# --- selection workflow -----------------------------------------------------------------------


def test_selection_workflow_makes_the_chosen_the_batch_lead_universities(cast: Cast) -> None:
    admin = cast.province_admin
    ncu, ecjtu, jxufe = (cast.universities[s] for s in ("ncu", "ecjtu", "jxufe"))
    recognise(ncu)
    recognise(ecjtu)
    other = UniversityFactory.create(name="无认定学院")
    round_ = selection.selection_open(actor=admin, batch=cast.batch, title="首批遴选", basis="优选")
    with pytest.raises(ValidationError, match="已有进行中的遴选"):
        selection.selection_open(actor=admin, batch=cast.batch, title="again")

    # Everyone is listed, recognised first; the one without a recognition is flagged, not hidden.
    rows = rollout.round_rows(round_)
    assert {r.university.name for r in rows} == {ncu.name, ecjtu.name, jxufe.name, other.name}
    assert [r.recognised for r in rows][:2] == [True, True]
    assert not next(r for r in rows if r.university == other).recognised

    d = selection.selection_decide(
        actor=admin, selection=round_, university=ncu, outcome=SELECTED, reason="示范校"
    )
    assert d.recognitions == f"示范校：{ncu.name}（2022）" and d.decided_by == admin
    selection.selection_decide(
        actor=admin, selection=round_, university=ecjtu, outcome=SELECTED, reason="标杆院系"
    )
    selection.selection_decide(
        actor=admin, selection=round_, university=other, outcome=REJECTED, reason="无认定"
    )
    with pytest.raises(ConflictError):
        selection.selection_close(actor=admin, selection=round_, expected_version=0)
    closed = selection.selection_close(
        actor=admin, selection=round_, expected_version=round_.version
    )
    assert closed.status == SelectionStatus.CLOSED and closed.closed_by == admin
    assert set(cast.batch.lead_universities.all()) == {ncu, ecjtu}
    assert AuditEvent.objects.filter(
        object_type="programme.batch", changes__has_key="lead_universities"
    ).exists()
    # A closed round takes no more decisions.
    with pytest.raises(ValidationError, match="已办结"):
        selection.selection_decide(
            actor=admin, selection=round_, university=jxufe, outcome=SELECTED, reason="x"
        )


def test_a_university_is_decided_once_per_round(cast: Cast) -> None:
    admin = cast.province_admin
    ncu = cast.universities["ncu"]
    round_ = selection.selection_open(actor=admin, batch=cast.batch, title="首批遴选")
    selection.selection_decide(
        actor=admin, selection=round_, university=ncu, outcome=SELECTED, reason="示范校"
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="已有决定（入选），不能重复决定"):
        selection.selection_decide(
            actor=admin, selection=round_, university=ncu, outcome=SELECTED, reason="再选一次"
        )
    assert SelectionDecision.objects.filter(selection=round_).count() == 1
    assert AuditEvent.objects.count() == before


def test_a_decision_needs_a_reason(cast: Cast) -> None:
    admin = cast.province_admin
    round_ = selection.selection_open(actor=admin, batch=cast.batch, title="首批遴选")
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            selection.selection_decide(
                actor=admin,
                selection=round_,
                university=cast.universities["ncu"],
                outcome=SELECTED,
                reason=reason,
            )
        assert caught.value.message_dict == {"reason": ["请填写决定理由"]}
    assert not SelectionDecision.objects.exists()


def test_closing_without_a_selected_university_is_refused(cast: Cast) -> None:
    admin = cast.province_admin
    round_ = selection.selection_open(actor=admin, batch=cast.batch, title="首批遴选")
    with pytest.raises(ValidationError, match="尚无入选高校"):
        selection.selection_close(actor=admin, selection=round_, expected_version=None)


def test_only_the_province_selects(cast: Cast) -> None:
    with pytest.raises(PermissionDeniedError):
        selection.selection_open(actor=cast.city_user, batch=cast.batch, title="x")
    round_ = selection.selection_open(actor=cast.province_admin, batch=cast.batch, title="x")
    with pytest.raises(PermissionDeniedError):
        selection.selection_decide(
            actor=cast.leader,
            selection=round_,
            university=cast.universities["ncu"],
            outcome=SELECTED,
            reason="x",
        )


def test_lead_groups_warn_when_not_selected_or_without_recognition(
    cast: Cast, client_for: Any
) -> None:
    admin = cast.province_admin
    ncu, ecjtu = cast.universities["ncu"], cast.universities["ecjtu"]
    recognise(ncu)
    group = cast.groups["ncu"]
    assert selection.lead_warnings(group) == [f"{ncu.name} 未经本批次牵头高校遴选"]
    round_ = selection.selection_open(actor=admin, batch=cast.batch, title="首批遴选")
    selection.selection_decide(
        actor=admin, selection=round_, university=ncu, outcome=SELECTED, reason="示范校"
    )
    selection.selection_decide(
        actor=admin, selection=round_, university=ecjtu, outcome=REJECTED, reason="后续批次"
    )
    selection.selection_close(actor=admin, selection=round_, expected_version=None)
    assert selection.lead_warnings(group) == []
    assert selection.lead_warnings(cast.groups["ecjtu"]) == [
        f"{ecjtu.name} 在本批次遴选中未入选",
        f"{ecjtu.name} 无党建工作示范校、标杆院系或样板支部认定",
    ]
    page = client_for(admin).get(reverse("programme:group_detail", args=[cast.groups["ecjtu"].pk]))
    assert "在本批次遴选中未入选" in page.content.decode()
    # The batch page marks the two groups whose lead university was not chosen.
    batch_page = client_for(admin).get(reverse("programme:batch_detail", args=[cast.batch.pk]))
    assert batch_page.content.decode().count(">未经遴选</span>") == 2
    # A member of the group sees the group, not the province's record of the selection.
    page = client_for(cast.instructor_ecjtu).get(
        reverse("programme:group_detail", args=[cast.groups["ecjtu"].pk])
    )
    assert page.status_code == 200 and "未入选" not in page.content.decode()


def test_selection_pages_decide_close_and_export(cast: Cast, client_for: Any) -> None:
    admin = cast.province_admin
    ncu = cast.universities["ncu"]
    recognise(ncu)
    client = client_for(admin)
    response = client.post(
        reverse("programme:selection_open", args=[cast.batch.pk]),
        {"title": "首批牵头高校遴选", "basis": "从示范校中优选"},
    )
    round_ = SelectionRound.objects.get()
    assert response.status_code == 302 and round_.opened_by == admin
    page = client.get(reverse("programme:selection_detail", args=[round_.pk])).content.decode()
    assert "无认定" in page and ncu.name in page and "示范校" in page
    url = reverse("programme:selection_decide", args=[round_.pk])
    bad = client.post(url, {"university": ncu.pk, "outcome": "selected", "reason": ""})
    assert bad.status_code == 400 and "请填写决定理由" in bad.content.decode()
    ok = client.post(url, {"university": ncu.pk, "outcome": "selected", "reason": "示范校"})
    assert ok.status_code == 302
    twice = client.post(url, {"university": ncu.pk, "outcome": "rejected", "reason": "改主意"})
    assert twice.status_code == 400 and "不能重复决定" in twice.content.decode()
    client.post(
        reverse("programme:selection_close", args=[round_.pk]),
        {"expected_version": round_.version},
    )
    round_.refresh_from_db()
    assert round_.status == SelectionStatus.CLOSED
    assert list(cast.batch.lead_universities.all()) == [ncu]
    export = client.get(reverse("programme:selection_detail", args=[round_.pk]) + "?export=xlsx")
    sheet = load_workbook(BytesIO(export.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["遴选名称", "首批牵头高校遴选"]
    decided = next(v for v in values if v[1] == ncu.name)
    assert decided[3:6] == ["入选", "示范校", str(admin)]
    assert AuditEvent.objects.filter(action="export", object_type="programme.selectionround")


# --- the batch's plan -------------------------------------------------------------------------


def test_plan_end_before_start_is_refused(cast: Cast, client_for: Any) -> None:
    admin = cast.province_admin
    with pytest.raises(ValidationError) as caught:
        selection.batch_plan_update(
            actor=admin,
            batch=cast.batch,
            data={"planned_start": dt.date(2024, 5, 7), "planned_end": dt.date(2024, 5, 6)},
            target_regions=[],
            expected_version=cast.batch.version,
        )
    assert caught.value.message_dict == {"planned_end": ["计划结束日期不能早于计划开始日期"]}
    cast.batch.refresh_from_db()
    assert cast.batch.planned_end is None
    response = client_for(admin).post(
        reverse("programme:batch_plan", args=[cast.batch.pk]),
        {
            "planned_start": "2024-05-07",
            "planned_end": "2024-01-01",
            "status": "active",
            "expected_version": cast.batch.version,
        },
    )
    assert response.status_code == 400
    assert "计划结束日期不能早于计划开始日期" in response.content.decode()


def test_plan_page_saves_targets_dates_and_status(cast: Cast, client_for: Any) -> None:
    batch = planned_batch()
    response = client_for(cast.province_admin).post(
        reverse("programme:batch_plan", args=[batch.pk]),
        {
            "planned_start": "2027-03-01",
            "planned_end": "2028-12-31",
            "status": "planned",
            "description": "推广",
            "target_regions": ["360700", "360800"],
            "expected_version": batch.version,
        },
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.planned_start, batch.planned_end) == (dt.date(2027, 3, 1), dt.date(2028, 12, 31))
    assert sorted(batch.target_regions.values_list("code", flat=True)) == ["360700", "360800"]
    assert AuditEvent.objects.filter(
        object_type="programme.batch", changes__has_key="target_regions"
    ).exists()
    page = client_for(cast.province_admin).get(reverse("programme:batch_detail", args=[batch.pk]))
    assert "赣州市" in page.content.decode()


# --- handover of a paired city ----------------------------------------------------------------


def test_pairing_an_already_paired_city_needs_a_handover_decision(
    cast: Cast, client_for: Any
) -> None:
    admin = cast.province_admin
    second = Batch.objects.create(
        number=2, name="第二批", start_year=2025, status=BatchStatus.PLANNED
    )
    group = provincial_group(second, cast.universities["ncu"], "第二批南大组")
    pingxiang = Region.objects.get(code="360300")
    for region in (pingxiang, Region.objects.get(code="360313")):  # the city, and a county of it
        with pytest.raises(ValidationError) as caught:
            services.pairing_create(
                actor=admin, batch=second, group=group, region=region, since=dt.date(2025, 3, 1)
            )
        [message] = caught.value.message_dict["handover_reason"]
        assert "已在实施中的「第一批（试点批次）」与「南昌大学党建指导组」结对" in message
        assert "须作出交接决定" in message
    assert not Pairing.objects.filter(batch=second).exists()

    page = client_for(admin).post(
        reverse("programme:pairing_create"),
        {"batch": second.pk, "group": group.pk, "region": "360300", "since": "2025-03-01"},
    )
    assert page.status_code == 400 and "须作出交接决定" in page.content.decode()

    pairing = services.pairing_create(
        actor=admin,
        batch=second,
        group=group,
        region=pingxiang,
        since=dt.date(2025, 3, 1),
        handover_reason="试点批次结束，由第二批指导组接续指导",
    )
    handover = PairingHandover.objects.get()
    assert handover.from_pairing.group == cast.groups["ncu"] and handover.to_pairing == pairing
    assert handover.decided_by == admin
    assert AuditEvent.objects.filter(object_type="programme.pairinghandover").exists()
    # A city paired in a batch that is not in force needs no handover.
    third = planned_batch(3)
    services.pairing_create(
        actor=admin,
        batch=third,
        group=provincial_group(third, cast.universities["ecjtu"], "第三批组"),
        region=Region.objects.get(code="360100"),
        since=dt.date(2027, 3, 1),
    )


# --- coverage and the rollout -----------------------------------------------------------------


def test_coverage_counts_only_active_batches_and_shows_the_plan_apart(cast: Cast) -> None:
    planned = planned_batch()
    planned.target_regions.set(Region.objects.filter(code__in=["360100", "360700"]))
    group = provincial_group(planned, cast.universities["ncu"], "第二批组")
    Pairing.objects.create(
        batch=planned, group=group, region_id="360400", since=dt.date(2027, 3, 1)
    )
    _first, later, total = selectors.coverage(cast.province_admin)
    assert (total.total.schools, total.total.paired) == (5, 4)
    # The province's 11 cities count, not only the 4 with schools on the roster.
    assert (total.cities_total, total.cities_paired, total.cities_pct) == (11, 3, 27.3)
    assert total.counties_total > 90 and 0 < total.counties_paired < total.counties_total
    assert len(total.remaining_cities) == 8
    # Planned: 南昌市 (one school on the roster), 赣州市 and 九江市 (targets and pairing).
    assert total.planned is not None and total.planned.schools == 1
    assert [c.name for c in total.planned_cities] == ["南昌市", "九江市", "赣州市"]
    assert (later.cities_paired, later.total.paired) == (1, 0)
    # Once the batch is in force, its pairing counts.
    Batch.objects.filter(pk=planned.pk).update(status=BatchStatus.ACTIVE)
    *_, total = selectors.coverage(cast.province_admin)
    assert total.cities_paired == 4 and total.planned is not None and total.planned.schools == 0


def test_coverage_is_counted_within_the_users_scope(cast: Cast) -> None:
    [entry] = selectors.coverage(cast.city_user)
    assert (entry.cities_total, entry.cities_paired) == (1, 1)
    [entry] = selectors.coverage(cast.county_user)
    assert (entry.cities_total, entry.counties_total, entry.counties_paired) == (0, 1, 1)
    [entry] = selectors.coverage(cast.outsider)
    assert (entry.cities_total, entry.cities_paired) == (1, 0)


def test_rollout_path_per_batch_and_remaining_cities(cast: Cast) -> None:
    Batch.objects.filter(pk=cast.batch.pk).update(planned_start=dt.date(2024, 5, 7))
    planned = planned_batch(planned_start=dt.date(2027, 3, 1))
    planned.target_regions.set(Region.objects.filter(code__in=["360100", "360700"]))
    path = rollout.rollout(cast.province_admin)
    assert [(s.batch.number, s.cities, s.schools, s.planned) for s in path.steps] == [
        (1, 3, 4, False),
        (2, 5, 5, True),
    ]
    assert [c.name for c in path.steps[1].new_cities] == ["南昌市", "赣州市"]
    assert (len(path.covered), len(path.planned), len(path.remaining)) == (3, 2, 6)
    chart = path.chart()
    assert chart["cities"] == [3, 5] and chart["planned"] == [False, True]
    assert chart["cities_total"] == 11


def test_rollout_shows_milestones_registered_by_another_module(cast: Cast) -> None:
    def source(user: Any) -> list[TimelineEvent]:
        event = TimelineEvent(dt.date(2024, 5, 7), "kickoff", "启动会", "第一次会议", "/m/1/")
        return [event]

    before = dict(timeline_events._items)
    timeline_events._items.clear()
    timeline_events.register("test", source)
    try:
        assert [m.title for m in rollout.rollout(cast.province_admin).milestones] == ["第一次会议"]
    finally:
        timeline_events._items.clear()
        timeline_events._items.update(before)


# --- inbox ------------------------------------------------------------------------------------


def test_inbox_open_round_and_late_batch(cast: Cast) -> None:
    admin = cast.province_admin
    today = dt.date(2027, 4, 1)
    round_ = selection.selection_open(actor=admin, batch=cast.batch, title="首批遴选")
    planned_batch(planned_start=dt.date(2027, 3, 1))
    # The overdue one first, as the inbox orders everything.
    late, selecting = [i for i in inbox_items(admin, today) if i.source == "programme.rollout"]
    assert (late.subject, selecting.subject) == ("第2批", cast.batch.name)
    assert "尚有 3 所高校未决定" in selecting.title
    assert selecting.url == reverse("programme:selection_detail", args=[round_.pk])
    assert "已过计划开始日期仍在筹备中" in late.title and late.due == dt.date(2027, 3, 1)
    assert inbox_count(admin, today) == len(inbox_items(admin, today))
    assert not [i for i in inbox_items(cast.city_user, today) if i.source == "programme.rollout"]
    # Every university decided: the round leaves the inbox though still open.
    for uni in cast.universities.values():
        selection.selection_decide(
            actor=admin, selection=round_, university=uni, outcome=SELECTED, reason="x"
        )
    admin = type(admin).objects.get(pk=admin.pk)  # a fresh object: no cached inbox
    items = [i for i in inbox_items(admin, today) if i.source == "programme.rollout"]
    assert [i.subject for i in items] == ["第2批"]


# --- scope matrix -----------------------------------------------------------------------------


def test_every_new_page_is_the_provinces_alone(cast: Cast, client_for: Any) -> None:
    admin = cast.province_admin
    round_ = selection.selection_open(actor=admin, batch=cast.batch, title="首批遴选")
    uni = cast.universities["ncu"]
    pages = [
        ("get", reverse("programme:selection_list")),
        ("get", reverse("programme:selection_detail", args=[round_.pk])),
        ("get", reverse("programme:selection_detail", args=[round_.pk]) + "?export=xlsx"),
        ("get", reverse("programme:selection_open", args=[cast.batch.pk])),
        ("post", reverse("programme:selection_decide", args=[round_.pk])),
        ("post", reverse("programme:selection_close", args=[round_.pk])),
        ("get", reverse("programme:batch_plan", args=[cast.batch.pk])),
        ("post", reverse("programme:batch_plan", args=[cast.batch.pk])),
        ("get", reverse("programme:rollout")),
    ]
    for _method, url in pages[:4] + pages[6:7] + pages[8:]:
        assert client_for(admin).get(url).status_code == 200, url
    outsiders = [
        cast.instructor,
        cast.leader,
        cast.city_user,
        cast.county_user,
        cast.school_user,
        cast.outsider,
        cast.system_admin,
        cast.audit_admin,
    ]
    for user in outsiders:
        client = client_for(user)
        for method, url in pages:
            data = {"university": uni.pk, "outcome": "selected", "reason": "x"}
            response = client.post(url, data) if method == "post" else client.get(url)
            assert response.status_code == 404, (user.username, url)
    assert not SelectionDecision.objects.exists()
    round_.refresh_from_db()
    assert round_.status == SelectionStatus.OPEN
