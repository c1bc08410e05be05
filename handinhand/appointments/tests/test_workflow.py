"""The nomination workflow: nominate from the unit's own people, submit (quota warning, one
leader), return with a reason, correct and resubmit, approve into memberships with terms and
numbered letters; renewal and replacement; the approver at each level."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from handinhand.accounts.models import Role, RoleAssignment
from handinhand.appointments import access, services
from handinhand.appointments.inbox import approve_items, letter_items, returned_items
from handinhand.appointments.models import (
    AppointmentLetter,
    LetterKind,
    Nomination,
    NominationAttachment,
    NominationSet,
    NominationStatus,
    SetKind,
    SetStatus,
)
from handinhand.appointments.tests.factories import (
    TERM_END,
    TERM_START,
    full_set,
    new_set,
    nominate,
    setup,
)
from handinhand.conftest import Cast, make_user
from handinhand.core.exceptions import CONFLICT_MESSAGE, ConflictError, PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.core.scope import reset_scope
from handinhand.orgs.models import Unit
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


def approve_all(cast: Cast, nominations: list[Nomination], **kw: Any) -> None:
    for n in nominations:
        services.nomination_approve(
            actor=cast.province_admin, nomination=Nomination.objects.get(pk=n.pk), **kw
        )


def test_nominate_submit_approve_creates_memberships_and_letters(cast: Cast) -> None:
    s = setup(cast)
    nomination_set, nominations = full_set(s)
    assert NominationSet.objects.get(pk=nomination_set.pk).status == SetStatus.SUBMITTED
    assert {n.status for n in nominations} == {NominationStatus.PENDING}
    approve_all(cast, nominations)

    members = Membership.objects.filter(group=s.group, is_active=True)
    assert members.count() == 5
    assert {(m.term_start, m.term_end) for m in members} == {(TERM_START, TERM_END)}
    assert members.get(role=MemberRole.LEADER).user == s.people[0]
    nomination_set.refresh_from_db()
    assert nomination_set.status == SetStatus.SETTLED
    person = AppointmentLetter.objects.filter(nomination_set=nomination_set, kind="person")
    group = AppointmentLetter.objects.get(nomination_set=nomination_set, kind="group")
    year = timezone.localdate().year
    assert group.number == f"赣教工委指〔{year}〕{nomination_set.letter_serial}号"
    assert sorted(letter.number for letter in person) == [
        f"{group.number}-{i:02d}" for i in range(1, 6)
    ]
    assert len(group.content["members"]) == 5
    # Every write is audited: memberships created by the approver.
    assert (
        AuditEvent.objects.filter(
            object_type="programme.membership", action="create", actor=cast.province_admin
        ).count()
        == 5
    )


def test_second_decision_gets_the_next_number(cast: Cast) -> None:
    s = setup(cast)
    first, nominations = full_set(s)
    approve_all(cast, nominations)
    renewal = new_set(s, kind=SetKind.RENEWAL)
    old = Membership.objects.get(group=s.group, user=s.people[1], is_active=True)
    n = nominate(s, renewal, s.people[1], replaces=old)
    services.set_submit(actor=s.contact, nomination_set=renewal)
    services.nomination_approve(actor=cast.province_admin, nomination=n)
    renewal.refresh_from_db()
    first.refresh_from_db()
    assert renewal.letter_serial == (first.letter_serial or 0) + 1


def test_return_shows_reason_and_who_then_resubmit(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    nomination_set, nominations = full_set(s)
    target = nominations[2]
    services.nomination_return(
        actor=cast.province_admin, nomination=target, reason="党务工作经历不详，请补充"
    )
    target.refresh_from_db()
    assert target.status == NominationStatus.RETURNED
    assert target.returned_by == cast.province_admin

    # The nominator sees it in the inbox with the reason and who returned it.
    items = returned_items(s.contact, TODAY)
    assert [i.key for i in items] == [f"nomination:{target.pk}"]
    assert "党务工作经历不详" in items[0].reason and "省工委管理员" in items[0].reason
    page = client_for(s.contact).get(reverse("appointments:set_detail", args=[nomination_set.pk]))
    assert "党务工作经历不详，请补充" in page.content.decode()
    assert "省工委管理员" in page.content.decode()

    # Correct and resubmit through the pages.
    client = client_for(s.contact)
    response = client.post(
        reverse("appointments:nomination_edit", args=[target.pk]),
        {
            "expected_version": target.version,
            "role": MemberRole.INSTRUCTOR,
            "department": "党委组织部",
            "title": "教授",
            "party_experience": "2015—2020年任学院党委书记，2020年至今任党委组织部副部长",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    client.post(
        reverse("appointments:nomination_resubmit", args=[target.pk]),
        {"expected_version": target.version},
    )
    target.refresh_from_db()
    assert target.status == NominationStatus.PENDING
    assert returned_items(s.contact, TODAY) == []
    history = list(target.events.values_list("action", flat=True))
    assert history == ["提名", "报送", "退回", "修改", "重新报送"]
    approve_all(cast, nominations)
    assert Membership.objects.filter(group=s.group, is_active=True).count() == 5


def test_return_without_reason_is_refused(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    _set, nominations = full_set(s)
    with pytest.raises(ValidationError, match="退回须填写原因"):
        services.nomination_return(actor=cast.province_admin, nomination=nominations[0], reason=" ")
    response = client_for(cast.province_admin).post(
        reverse("appointments:nomination_return", args=[nominations[0].pk]), {"reason": ""}
    )
    assert response.status_code == 302
    assert Nomination.objects.get(pk=nominations[0].pk).status == NominationStatus.PENDING


def test_nomination_outside_the_units_people_is_refused(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    nomination_set = new_set(s)
    stranger = make_user("stranger", "外单位人员")
    with pytest.raises(ValidationError, match="只能推荐本单位人员"):
        nominate(s, nomination_set, stranger)
    # Nor through the page, where the error is shown and nothing written.
    response = client_for(s.contact).post(
        reverse("appointments:nomination_create", args=[nomination_set.pk]),
        {
            "user": cast.instructor_ecjtu.pk,
            "role": MemberRole.INSTRUCTOR,
            "department": "x",
            "title": "x",
            "party_experience": "x",
        },
    )
    assert response.status_code == 400
    assert "只能推荐本单位人员" in response.content.decode()
    assert not Nomination.objects.exists()


def test_fewer_than_quota_warns_and_needs_confirmation(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    nomination_set = new_set(s)
    nominate(s, nomination_set, s.people[0], MemberRole.LEADER)
    nominate(s, nomination_set, s.people[1])
    with pytest.raises(services.BelowQuotaError, match="少于每组 5 名党建指导员"):
        services.set_submit(actor=s.contact, nomination_set=nomination_set)
    assert NominationSet.objects.get(pk=nomination_set.pk).status == SetStatus.DRAFT
    # The page shows the warning and the box to confirm.
    client = client_for(s.contact)
    response = client.post(
        reverse("appointments:set_submit", args=[nomination_set.pk]), follow=True
    )
    assert "少于每组 5 名党建指导员" in response.content.decode()
    assert "确认人数不足仍继续" in response.content.decode()
    client.post(
        reverse("appointments:set_submit", args=[nomination_set.pk]),
        {"confirm_below_quota": "on"},
    )
    nomination_set.refresh_from_db()
    assert nomination_set.status == SetStatus.SUBMITTED and nomination_set.below_quota_confirmed

    # Approving the last one below the quota is a warning to the approver too.
    first, last = list(nomination_set.nominations.order_by("pk"))
    services.nomination_approve(actor=cast.province_admin, nomination=first)
    with pytest.raises(services.BelowQuotaError):
        services.nomination_approve(actor=cast.province_admin, nomination=last)
    services.nomination_approve(
        actor=cast.province_admin, nomination=last, confirm_below_quota=True
    )
    assert Membership.objects.filter(group=s.group, is_active=True).count() == 2


def test_two_leaders_are_refused(cast: Cast) -> None:
    s = setup(cast)
    nomination_set = new_set(s)
    nominate(s, nomination_set, s.people[0], MemberRole.LEADER)
    nominate(s, nomination_set, s.people[1], MemberRole.LEADER)
    for p in s.people[2:5]:
        nominate(s, nomination_set, p)
    with pytest.raises(ValidationError, match="只能有一名组长"):
        services.set_submit(
            actor=s.contact, nomination_set=nomination_set, confirm_below_quota=True
        )
    assert not Nomination.objects.filter(status=NominationStatus.PENDING).exists()


def test_no_leader_is_refused(cast: Cast) -> None:
    s = setup(cast)
    nomination_set = new_set(s)
    for p in s.people[:5]:
        nominate(s, nomination_set, p)
    with pytest.raises(ValidationError, match="须有一名组长"):
        services.set_submit(actor=s.contact, nomination_set=nomination_set)


def test_approving_a_second_leader_is_refused(cast: Cast) -> None:
    s = setup(cast)
    _first, nominations = full_set(s)
    approve_all(cast, nominations)
    extra = new_set(s, kind=SetKind.REPLACEMENT)
    n = nominate(s, extra, s.people[5], MemberRole.LEADER)
    with pytest.raises(ValidationError, match="只能有一名组长"):
        services.set_submit(actor=s.contact, nomination_set=extra, confirm_below_quota=True)
    # Even if it got through (a leader appointed meanwhile), the approval refuses it.
    Nomination.objects.filter(pk=n.pk).update(status=NominationStatus.PENDING)
    with pytest.raises(ValidationError, match="只能有一名组长"):
        services.nomination_approve(actor=cast.province_admin, nomination=n)
    assert Membership.objects.filter(group=s.group, role="组长", is_active=True).count() == 1


def test_term_ending_before_it_starts_is_refused(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    with pytest.raises(ValidationError, match="任期结束日期必须晚于开始日期"):
        services.set_create(
            actor=s.contact,
            group=s.group,
            unit=s.unit,
            kind=SetKind.INITIAL,
            term_start=TERM_END,
            term_end=TERM_START,
        )
    response = client_for(s.contact).post(
        reverse("appointments:set_create", args=[s.group.pk]),
        {
            "unit": s.unit.pk,
            "kind": SetKind.INITIAL,
            "term_start": "2026-03-01",
            "term_end": "2025-03-01",
        },
    )
    assert response.status_code == 400
    assert "任期结束日期必须晚于开始日期" in response.content.decode()
    assert not NominationSet.objects.exists()


def test_replacement_ends_the_old_membership_and_starts_the_new(cast: Cast) -> None:
    s = setup(cast)
    _first, nominations = full_set(s)
    approve_all(cast, nominations)
    leaving = Membership.objects.get(group=s.group, user=s.people[3], is_active=True)
    replacement = services.set_create(
        actor=s.contact,
        group=s.group,
        unit=s.unit,
        kind=SetKind.REPLACEMENT,
        term_start=dt.date(2027, 9, 1),
        term_end=TERM_END,
    )
    with pytest.raises(ValidationError, match="接替人不能是原任人员本人"):
        nominate(s, replacement, s.people[3], replaces=leaving)
    n = nominate(s, replacement, s.people[5], replaces=leaving)
    services.set_submit(actor=s.contact, nomination_set=replacement)
    services.nomination_approve(actor=cast.province_admin, nomination=n)
    leaving.refresh_from_db()
    assert not leaving.is_active and leaving.term_end == dt.date(2027, 8, 31)
    new = Membership.objects.get(group=s.group, user=s.people[5], is_active=True)
    assert (new.term_start, new.term_end) == (dt.date(2027, 9, 1), TERM_END)
    assert Membership.objects.filter(group=s.group, is_active=True).count() == 5
    letter = AppointmentLetter.objects.get(nomination=n)
    assert letter.content["kind"] == SetKind.REPLACEMENT


def test_renewal_continues_the_same_person(cast: Cast) -> None:
    s = setup(cast)
    _first, nominations = full_set(s)
    approve_all(cast, nominations)
    renewal = services.set_create(
        actor=s.contact,
        group=s.group,
        unit=s.unit,
        kind=SetKind.RENEWAL,
        term_start=dt.date(2029, 3, 1),
        term_end=dt.date(2032, 2, 28),
    )
    old_leader = Membership.objects.get(group=s.group, role="组长", is_active=True)
    with pytest.raises(ValidationError, match="续聘只能续本人的原任职"):
        nominate(s, renewal, s.people[1], MemberRole.LEADER, replaces=old_leader)
    n = nominate(s, renewal, s.people[0], MemberRole.LEADER, replaces=old_leader)
    services.set_submit(actor=s.contact, nomination_set=renewal)
    services.nomination_approve(actor=cast.province_admin, nomination=n)
    old_leader.refresh_from_db()
    assert not old_leader.is_active
    leader = Membership.objects.get(group=s.group, role="组长", is_active=True)
    assert leader.user == s.people[0] and leader.term_end == dt.date(2032, 2, 28)


def test_attachments_are_checked_by_content(cast: Cast) -> None:
    s = setup(cast)
    nomination_set = new_set(s)
    fake = SimpleUploadedFile("履历.pdf", b"<html>not a pdf</html>", "application/pdf")
    with pytest.raises(ValidationError, match="不允许的文件类型"):
        nominate(s, nomination_set, s.people[0], files=[fake])
    assert not Nomination.objects.exists()
    pdf = SimpleUploadedFile("履历.pdf", b"%PDF-1.4\n%test\n", "application/pdf")
    n = nominate(s, nomination_set, s.people[0], files=[pdf])
    assert NominationAttachment.objects.get(nomination=n).kind == "pdf"


def test_only_the_approver_approves_and_never_the_nominator(cast: Cast) -> None:
    s = setup(cast)
    _set, nominations = full_set(s)
    for actor in (s.contact, cast.city_user, cast.leader, cast.instructor):
        with pytest.raises(PermissionDeniedError):
            services.nomination_approve(actor=actor, nomination=nominations[0])
    assert not Membership.objects.filter(group=s.group).exists()


def test_county_group_is_nominated_by_its_bureau_and_approved_by_the_city(cast: Cast) -> None:
    """A county group: the county's bureau nominates from units in the county; the city's
    bureau approves (the province may act for it); the county itself may not."""
    s = setup(cast)
    county_group = GuidanceGroup.objects.create(
        name="湘东区党建指导组", level=GroupLevel.COUNTY, region_id="360313", batch=cast.batch
    )
    school_unit = Unit.objects.create(name="湘东区教育局", region_id="360313")
    people = []
    for i in range(5):
        person = make_user(f"xd{i}", f"湘东{i}")
        person.unit = school_unit
        person.save()
        people.append(person)
    assert access.can_nominate(cast.county_user, county_group)
    assert not access.can_nominate(cast.outsider, county_group)
    assert not access.can_nominate(s.contact, county_group)
    nomination_set = services.set_create(
        actor=cast.county_user,
        group=county_group,
        unit=school_unit,
        kind=SetKind.INITIAL,
        term_start=TERM_START,
        term_end=TERM_END,
    )
    for i, p in enumerate(people):
        services.nomination_add(
            actor=cast.county_user,
            nomination_set=nomination_set,
            user=p,
            role=MemberRole.LEADER if i == 0 else MemberRole.INSTRUCTOR,
            department="湘东区教育局",
            title="科长",
            party_experience="机关党支部书记",
        )
    services.set_submit(actor=cast.county_user, nomination_set=nomination_set)
    assert not access.can_approve(cast.county_user, nomination_set)
    assert access.can_approve(cast.city_user, nomination_set)
    assert [i.key for i in approve_items(cast.city_user, TODAY)] == [f"set:{nomination_set.pk}"]
    for n in nomination_set.nominations.all():
        services.nomination_approve(actor=cast.city_user, nomination=n)
    assert Membership.objects.filter(group=county_group, is_active=True).count() == 5
    letter = AppointmentLetter.objects.get(nomination_set=nomination_set, kind=LetterKind.GROUP)
    assert letter.content["issuer"] == "萍乡市教育局"


def test_city_group_is_approved_by_the_province_not_the_city(cast: Cast) -> None:
    city_group = GuidanceGroup.objects.create(
        name="萍乡市党建指导组", level=GroupLevel.CITY, region_id="360300", batch=cast.batch
    )
    unit = Unit.objects.create(name="萍乡学院", region_id="360300")
    nomination_set = services.set_create(
        actor=cast.city_user,
        group=city_group,
        unit=unit,
        kind=SetKind.INITIAL,
        term_start=TERM_START,
        term_end=TERM_END,
    )
    assert not access.can_approve(cast.city_user, nomination_set)
    assert access.can_approve(cast.province_admin, nomination_set)


def test_inbox_items(cast: Cast) -> None:
    s = setup(cast)
    nomination_set, nominations = full_set(s)
    assert [i.key for i in approve_items(cast.province_admin, TODAY)] == [
        f"set:{nomination_set.pk}"
    ]
    assert approve_items(s.contact, TODAY) == []
    approve_all(cast, nominations)
    assert approve_items(cast.province_admin, TODAY) == []
    person = s.people[0]
    reset_scope(person)
    items = letter_items(person, TODAY)
    assert len(items) == 1 and items[0].title == "下载聘书"


def test_a_unit_contact_cannot_nominate_for_a_group_of_another_university(cast: Cast) -> None:
    s = setup(cast)
    with pytest.raises(PermissionDeniedError):
        services.set_create(
            actor=s.contact,
            group=cast.groups["ecjtu"],
            unit=s.unit,
            kind=SetKind.INITIAL,
            term_start=TERM_START,
            term_end=TERM_END,
        )
    other = Unit.objects.create(name="某单位")
    RoleAssignment.objects.create(user=s.contact, role=Role.UNIT_CONTACT, unit=other)
    reset_scope(s.contact)
    with pytest.raises(PermissionDeniedError):
        services.set_create(
            actor=s.contact,
            group=s.group,
            unit=other,
            kind=SetKind.INITIAL,
            term_start=TERM_START,
            term_end=TERM_END,
        )


def test_a_stale_decision_conflicts_and_writes_nothing(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    _set, nominations = full_set(s)
    target = nominations[0]
    stale = target.version
    services.nomination_return(actor=cast.province_admin, nomination=target, reason="请补充")
    services.nomination_resubmit(actor=s.contact, nomination=Nomination.objects.get(pk=target.pk))
    with pytest.raises(ConflictError):
        services.nomination_approve(
            actor=cast.province_admin, nomination=target, expected_version=stale
        )
    response = client_for(cast.province_admin).post(
        reverse("appointments:nomination_approve", args=[target.pk]),
        {"expected_version": stale},
        follow=True,
    )
    assert str(CONFLICT_MESSAGE) in response.content.decode()
    assert not Membership.objects.filter(group=s.group).exists()


def test_lists_search_page_and_export(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    full_set(s)
    client = client_for(cast.province_admin)
    page = client.get(reverse("appointments:set_list"), {"q": "陈一"})
    assert page.status_code == 200 and page.context["page"].paginator.count == 1
    page = client.get(reverse("appointments:set_list"), {"q": "无此人"})
    assert page.context["page"].paginator.count == 0
    page = client.get(reverse("appointments:set_list"), {"status": "pending"})
    assert page.context["page"].paginator.count == 1
    export = client.get(reverse("appointments:set_list"), {"export": "xlsx"})
    assert export.status_code == 200
    # The outsider's list is empty (南昌市's bureau), the school's answers 404.
    page = client_for(cast.outsider).get(reverse("appointments:set_list"))
    assert page.context["page"].paginator.count == 0
    assert client_for(cast.school_user).get(reverse("appointments:set_list")).status_code == 404


def test_approve_all_at_once_or_none(cast: Cast, client_for: Any) -> None:
    s = setup(cast)
    nomination_set = new_set(s)
    nominate(s, nomination_set, s.people[0], MemberRole.LEADER)
    nominate(s, nomination_set, s.people[1])
    services.set_submit(actor=s.contact, nomination_set=nomination_set, confirm_below_quota=True)
    client = client_for(cast.province_admin)
    url = reverse("appointments:set_approve_all", args=[nomination_set.pk])
    # Below the quota: the warning, and nobody approved (one transaction).
    page = client.post(url, follow=True)
    assert "少于每组 5 名党建指导员" in page.content.decode()
    assert not Membership.objects.filter(group=s.group).exists()
    client.post(url, {"confirm_below_quota": "on"})
    assert Membership.objects.filter(group=s.group, is_active=True).count() == 2
    assert AppointmentLetter.objects.filter(nomination_set=nomination_set).count() == 3
    # The nominator may not approve.
    assert client_for(s.contact).post(url).status_code == 404
