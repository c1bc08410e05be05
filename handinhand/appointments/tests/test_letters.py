"""The appointment letters as Word opens them: names, number, group and term; who may
download them (the person, the university, the province) and who may not."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from docx import Document

from handinhand.appointments import services
from handinhand.appointments.models import AppointmentLetter, LetterKind, Nomination
from handinhand.appointments.tests.factories import full_set, setup
from handinhand.conftest import Cast
from handinhand.core.scope import reset_scope

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    doc = Document(BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _approved(cast: Cast) -> Any:
    s = setup(cast)
    nomination_set, nominations = full_set(s)
    for n in nominations:
        services.nomination_approve(
            actor=cast.province_admin, nomination=Nomination.objects.get(pk=n.pk)
        )
    return s, nomination_set


def test_person_letter_names_the_person_number_group_and_term(cast: Cast, client_for: Any) -> None:
    s, _nomination_set = _approved(cast)
    person = s.people[0]
    letter = AppointmentLetter.objects.get(user=person, kind=LetterKind.PERSON)
    reset_scope(person)
    response = client_for(person).get(reverse("appointments:letter_download", args=[letter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    text = _text(response.content)
    assert "聘 书" in text
    assert letter.number in text and letter.number.endswith("号-01")
    assert "陈一同志" in text
    assert "南昌大学第二党建指导组组长" in text
    assert "任期自2026年3月1日至2029年2月28日" in text
    assert "中共江西省委教育工委" in text
    # Downloading it takes it out of the person's inbox.
    letter.refresh_from_db()
    assert letter.received_at is not None


def test_group_letter_lists_every_member(cast: Cast, client_for: Any) -> None:
    s, nomination_set = _approved(cast)
    letter = AppointmentLetter.objects.get(nomination_set=nomination_set, kind=LetterKind.GROUP)
    response = client_for(s.contact).get(reverse("appointments:letter_download", args=[letter.pk]))
    text = _text(response.content)
    assert f"关于聘任南昌大学第二党建指导组成员的通知\n{letter.number}" in text
    for person in s.people[:5]:
        assert person.full_name in text
    assert "陈一 | 组长 | 南昌大学 | 2026年3月1日至2029年2月28日" in text
    assert "共5人" in text


@pytest.mark.parametrize(
    ("who", "person_letter", "group_letter"),
    [
        ("province_admin", 200, 200),
        ("unit_contact", 200, 200),
        ("person", 200, 200),
        ("colleague", 404, 200),  # another member of the group: its notice, not their letter
        ("instructor", 404, 404),  # an instructor of another group
        ("city_user", 404, 404),
        ("outsider", 404, 404),
        ("school_user", 404, 404),
        ("audit_admin", 404, 404),
    ],
)
def test_who_downloads_letters(
    cast: Cast, client_for: Any, who: str, person_letter: int, group_letter: int
) -> None:
    s, nomination_set = _approved(cast)
    users = {
        **cast.users(),
        "unit_contact": s.contact,
        "person": s.people[0],
        "colleague": s.people[1],
    }
    user = users[who]
    reset_scope(user)
    mine = AppointmentLetter.objects.get(user=s.people[0])
    group = AppointmentLetter.objects.get(nomination_set=nomination_set, kind=LetterKind.GROUP)
    client = client_for(user)
    assert client.get(reverse("appointments:letter_download", args=[mine.pk])).status_code == (
        person_letter
    )
    assert client.get(reverse("appointments:letter_download", args=[group.pk])).status_code == (
        group_letter
    )
