"""现场记录 (issue 14 points 1–2): one visit to one school with findings and photos in one
submit, idempotent by the phone's key, scoped to the schools the group guides."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.guidance import selectors, services
from handinhand.guidance.models import Finding, Visit, VisitAttachment, VisitStatus
from handinhand.programme.models import DistrictSchool, Pairing

TODAY = timezone.localdate()
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0" + b"\0" * 200, content_type="image/jpeg")


def record(cast: Any, **extra: Any) -> tuple[Visit, bool]:
    fields: dict[str, Any] = {
        "actor": cast.instructor,
        "group": cast.groups["ncu"],
        "school": cast.school,
        "date": TODAY,
        "duration_hours": Decimal("2"),
        "form": "实地指导",
        "title": "现场指导",
        "instructors": [cast.membership],
        "findings": [
            services.FieldFinding("签到表缺失", "major", TODAY + dt.timedelta(days=30)),
        ],
        "photos": [jpeg()],
        "client_key": uuid.uuid4(),
    }
    fields.update(extra)
    return services.visit_record(**fields)


def leave_scope(cast: Any) -> None:
    """The school leaves the 南昌大学 group's scope: its district and its pairing go."""
    DistrictSchool.objects.filter(school=cast.school).delete()
    Pairing.objects.filter(group=cast.groups["ncu"]).delete()


# --- the service ------------------------------------------------------------------------------


def test_records_visit_finding_and_photo_in_one_go(cast):
    visit, created = record(cast)
    assert created
    assert (visit.status, visit.date, list(visit.schools.all())) == (
        VisitStatus.HELD,
        TODAY,
        [cast.school],
    )
    finding = Finding.objects.get()
    assert (finding.visit, finding.school, finding.found_on) == (visit, cast.school, TODAY)
    assert VisitAttachment.objects.get().kind == "jpg"
    assert AuditEvent.objects.filter(
        object_type="guidance.visit", object_id=str(visit.pk), action=AuditAction.CREATE
    ).exists()


def test_same_key_twice_is_one_visit(cast):
    key = uuid.uuid4()
    first, created = record(cast, client_key=key)
    events = AuditEvent.objects.count()
    again, created_again = record(cast, client_key=key, photos=[jpeg()])
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert Finding.objects.count() == 1
    assert VisitAttachment.objects.count() == 1
    assert AuditEvent.objects.count() == events  # nothing written the second time


def test_someone_elses_key_is_refused_not_answered(cast):
    key = uuid.uuid4()
    record(cast, client_key=key)
    leader_membership = cast.groups["ncu"].memberships.get(user=cast.leader)
    with pytest.raises(ValidationError) as exc:
        record(cast, actor=cast.leader, client_key=key, instructors=[leader_membership])
    assert "client_key" in exc.value.message_dict
    assert Visit.objects.count() == 1


def test_school_left_scope_is_a_conflict_and_writes_nothing(cast):
    leave_scope(cast)
    with pytest.raises(services.OutOfScopeError) as exc:
        record(cast)
    assert "已不在" in exc.value.messages[0]
    assert (Visit.objects.count(), Finding.objects.count(), VisitAttachment.objects.count()) == (
        0,
        0,
        0,
    )


def test_photo_that_is_not_an_image_is_refused(cast):
    pdf = SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n" + b"x" * 100)
    with pytest.raises(ValidationError) as exc:
        record(cast, photos=[pdf])
    assert "不是图片" in exc.value.message_dict["photos"][0]
    text = SimpleUploadedFile("photo.jpg", "就是一段文字".encode())
    with pytest.raises(ValidationError):
        record(cast, photos=[text])
    assert Visit.objects.count() == 0


def test_photo_over_the_limit_is_refused(cast, settings):
    from handinhand.core.policy import get_policy

    limit = int(get_policy().guidance.attachment_max_mb * 1024 * 1024)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff\xe0" + b"\0" * limit)
    with pytest.raises(ValidationError) as exc:
        record(cast, photos=[big])
    assert "文件过大" in exc.value.message_dict["photos"][0]
    assert Visit.objects.count() == 0


def test_bad_finding_writes_nothing(cast):
    with pytest.raises(ValidationError) as exc:
        record(cast, findings=[services.FieldFinding("x", "nonsense", TODAY)])
    assert "第 1 个问题" in exc.value.message_dict["findings"][0]
    assert (Visit.objects.count(), Finding.objects.count()) == (0, 0)


def test_findings_need_a_held_visit(cast):
    with pytest.raises(ValidationError) as exc:
        record(cast, status=VisitStatus.PLANNED)
    assert "findings" in exc.value.message_dict


def test_someone_outside_the_group_cannot_record(cast):
    with pytest.raises(PermissionDeniedError):
        record(cast, actor=cast.instructor_ecjtu)
    assert Visit.objects.count() == 0


# --- the school picker ------------------------------------------------------------------------


def test_picker_finds_by_name_county_and_pinyin_initials(cast):
    groups = [cast.groups["ncu"]]
    ids = [g.pk for g in groups]
    initials = selectors.name_initials(cast.school.name)
    assert initials and initials.isascii()
    by_initials = selectors.search_field_schools(cast.instructor, ids, initials[:3])
    assert cast.school.pk in [c.id for c in by_initials]
    by_name = selectors.search_field_schools(cast.instructor, ids, cast.school.name[-4:])
    assert cast.school.pk in [c.id for c in by_name]
    county = cast.school.county.name
    assert cast.school.pk in [
        c.id for c in selectors.search_field_schools(cast.instructor, ids, county)
    ]
    # Only schools the group guides: never 新余 or 南昌 schools.
    everything = selectors.field_schools(cast.instructor, ids)
    found = {c.id for c in everything}
    assert cast.school_anyuan.pk in found
    assert not found & {cast.school_xinyu.pk, cast.school_nanchang.pk}
    assert selectors.search_field_schools(cast.instructor, ids, cast.school_xinyu.name) == []


def test_picker_puts_recent_schools_first(cast):
    record(cast, school=cast.school_anyuan, findings=[], photos=[])
    ids = [cast.groups["ncu"].pk]
    assert [c.id for c in selectors.search_field_schools(cast.instructor, ids, "")] == [
        cast.school_anyuan.pk
    ]
    assert selectors.field_schools(cast.instructor, ids)[0].id == cast.school_anyuan.pk


# --- the pages --------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(cast: Any, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "group": cast.groups["ncu"].pk,
        "school": cast.school.pk,
        "status": "held",
        "date": TODAY.isoformat(),
        "form": "实地指导",
        "duration_hours": "2",
        "instructors": [cast.membership.pk],
        "client_key": str(uuid.uuid4()),
        "finding_problem": ["签到表缺失", ""],
        "finding_severity": ["major", "minor"],
        "finding_deadline": [(TODAY + dt.timedelta(days=30)).isoformat(), ""],
        "photos": [jpeg()],
    }
    data.update(extra)
    return data


def test_page_prefills_today_instructor_and_held(cast):
    response = _client(cast.instructor).get(reverse("guidance:visit_field"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["date"] == TODAY
    assert form.initial["status"] == VisitStatus.HELD
    assert form.initial["instructors"] == [cast.membership.pk]
    html = response.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "<select" not in html.split('id="school-results"')[1].split("</div>")[0]


def test_submit_twice_over_http_is_one_visit(cast):
    client = _client(cast.instructor)
    data = _post(cast)
    url = reverse("guidance:visit_field_submit")
    first = client.post(url, data, headers=JSON)
    assert first.status_code == 201, first.content
    data["photos"] = [jpeg()]
    second = client.post(url, data, headers=JSON)
    assert second.status_code == 200
    assert second.json()["visit"] == first.json()["visit"]
    assert second.json()["created"] is False
    assert Visit.objects.count() == 1 and Finding.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.title == f"{cast.school.name}实地指导"  # a default title, nothing typed
    assert VisitAttachment.objects.filter(visit=visit).count() == 1


def test_submit_without_javascript_redirects_to_the_visit(cast):
    response = _client(cast.instructor).post(reverse("guidance:visit_field_submit"), _post(cast))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()


def test_submit_out_of_scope_school_is_409_and_writes_nothing(cast):
    leave_scope(cast)
    response = _client(cast.instructor).post(
        reverse("guidance:visit_field_submit"), _post(cast), headers=JSON
    )
    assert response.status_code == 409
    assert response.json()["conflict"] is True
    assert "已不在本组的指导范围内" in response.json()["messages"][0]
    assert Visit.objects.count() == 0


def test_submit_school_never_seen_is_409_without_its_name(cast):
    response = _client(cast.instructor).post(
        reverse("guidance:visit_field_submit"),
        _post(cast, school=cast.school_nanchang.pk),
        headers=JSON,
    )
    assert response.status_code == 409
    assert cast.school_nanchang.name not in response.content.decode()
    assert Visit.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("finding_deadline", ["2000-01-01"], "整改期限不能早于"),
        ("finding_deadline", ["not-a-date"], "不是有效日期"),
        ("finding_severity", ["worst"], "严重程度无效"),
        ("school", "", "请选择学校"),
        ("duration_hours", "99", "24"),
    ],
)
def test_submit_bad_input_is_400_in_chinese(cast, field, value, expected):
    response = _client(cast.instructor).post(
        reverse("guidance:visit_field_submit"), _post(cast, **{field: value}), headers=JSON
    )
    assert response.status_code == 400
    assert any(expected in m for m in response.json()["messages"])
    assert Visit.objects.count() == 0


def test_submit_photo_not_image_is_400(cast):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n" + b"x" * 50)
    response = _client(cast.instructor).post(
        reverse("guidance:visit_field_submit"), _post(cast, photos=[fake]), headers=JSON
    )
    assert response.status_code == 400
    assert "不是图片" in response.json()["messages"][0]
    assert Visit.objects.count() == 0


def test_schools_fragment_and_json_are_scoped(cast):
    client = _client(cast.instructor)
    initials = selectors.name_initials(cast.school.name)
    fragment = client.get(reverse("guidance:visit_field_schools"), {"q": initials[:3]})
    assert cast.school.name in fragment.content.decode()
    data = client.get(reverse("guidance:visit_field_schools_json")).json()
    ids = {row[0] for rows in data["groups"].values() for row in rows}
    assert cast.school.pk in ids and cast.school_xinyu.pk not in ids
    outside = client.get(reverse("guidance:visit_field_schools"), {"q": "育才"}).content.decode()
    assert cast.school_nanchang.name not in outside and "hh-school-choice" not in outside


@pytest.mark.parametrize(
    "name",
    ["visit_field", "visit_field_schools", "visit_field_schools_json", "visit_field_submit"],
)
def test_field_pages_are_404_outside_the_instructors(cast, name):
    for user in (cast.school_user, cast.outsider, cast.city_user):
        client = _client(user)
        url = reverse(f"guidance:{name}")
        response = client.post(url, _post(cast)) if name.endswith("submit") else client.get(url)
        assert response.status_code == 404, (user, name)
    assert Visit.objects.count() == 0


def test_service_worker_is_served_with_its_scope(client):
    response = client.get(reverse("guidance:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/guidance/"
    body = io.BytesIO(response.content).read().decode()
    assert "caches" in body


def test_ordinary_visit_form_prefills_today_held_and_me(cast):
    response = _client(cast.instructor).get(reverse("guidance:visit_create"))
    form = response.context["form"]
    assert form.initial["date"] == TODAY
    assert form.initial["status"] == VisitStatus.HELD
    assert form.initial["instructors"] == [cast.membership.pk]
