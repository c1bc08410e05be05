from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from docx import Document

from handinhand.appointments.documents import letter_docx
from handinhand.appointments.inbox import approve_items, returned_items
from handinhand.appointments.models import AppointmentLetter, Nomination, NominationSet
from handinhand.appointments.tests.factories import setup
from handinhand.conftest import make_user
from handinhand.orgs.models import Unit, UnitKind
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole, Membership
from handinhand.seed import appointments as synthetic

pytestmark = pytest.mark.django_db


def test_memberships_get_their_letters_and_the_inboxes_work(cast):
    s = setup(cast)
    for slug in ("ecjtu", "jxufe"):
        university = cast.universities[slug]
        Unit.objects.create(name=university.name, kind=UnitKind.UNIVERSITY, university=university)
    bureau = Unit.objects.create(name="萍乡市教育局", region_id="360300")
    city_group = GuidanceGroup.objects.create(
        name="萍乡市党建指导组", level=GroupLevel.CITY, region_id="360300", batch=cast.batch
    )
    make_user("pingxiang", "萍乡市教育局")
    for i, role in enumerate([MemberRole.LEADER, MemberRole.INSTRUCTOR]):
        person = make_user(f"px{i}", f"萍乡{i}")
        person.unit = bureau
        person.save()
        Membership.objects.create(
            group=city_group, user=person, role=role, term_start=dt.date(2024, 5, 7)
        )

    counts = synthetic.extend("pilot", seed=1)
    active = Membership.objects.filter(is_active=True)
    # Every member in office has the approved nomination that appointed them and a letter.
    assert Nomination.objects.filter(membership__in=active).count() == active.count()
    assert AppointmentLetter.objects.filter(kind="person").count() == active.count()
    groups = active.values("group_id").distinct().count()
    assert AppointmentLetter.objects.filter(kind="group").count() == groups
    assert counts["appointment letters"] == active.count() + groups
    letter = AppointmentLetter.objects.filter(kind="person").earliest("pk")
    text = "\n".join(p.text for p in Document(BytesIO(letter_docx(letter))).paragraphs)
    assert letter.number in text and letter.number.startswith("赣教工委指〔2024〕")

    # The province has the city's replacement to approve; 南昌大学 a returned nomination.
    pending = NominationSet.objects.get(group=city_group, status="submitted")
    assert [i.key for i in approve_items(cast.province_admin, dt.date.today())] == [  # noqa: DTZ011
        f"set:{pending.pk}"
    ]
    assert len(returned_items(s.contact, dt.date.today())) == 1  # noqa: DTZ011
    assert synthetic.extend("pilot", seed=1) == {}
