"""The private, revocable calendar subscription URL (issue 14 point 7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from handinhand.conftest import Cast
from handinhand.core.models import AuditEvent
from handinhand.meetings import selectors, services, tokens
from handinhand.meetings.models import CalendarToken, Meeting, MeetingStatus
from handinhand.meetings.tests.conftest import make_meeting

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _feed_path(url: str) -> str:
    return url.split("testserver", 1)[1]


def test_the_page_shows_one_link_made_on_first_visit(cast: Cast) -> None:
    client = _client(cast.instructor)
    first = client.get(reverse("meetings:calendar_subscription"))
    assert first.status_code == 200
    text = first.content.decode()
    for words in ("复制链接", "重置链接", "订阅会议日历"):
        assert words in text
    url = first.context["url"]
    assert "/meetings/calendar/" in url and url.endswith(".ics")
    # Shown again the same, from one stored row that holds no token.
    assert client.get(reverse("meetings:calendar_subscription")).context["url"] == url
    token = CalendarToken.objects.get(user=cast.instructor)
    raw = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert raw not in (token.nonce, token.digest) and token.digest == tokens.digest(raw)
    assert len(raw) >= 40  # 256 bits of HMAC, base64
    event = AuditEvent.objects.get(object_type="meetings.calendartoken", action="create")
    assert raw not in str(event.changes) and token.nonce not in str(event.changes)


def test_the_feed_needs_no_login_and_holds_the_owners_meetings(cast: Cast) -> None:
    today = timezone.localdate()
    own = make_meeting(
        cast.groups["ncu"],
        today + dt.timedelta(days=5),
        status=MeetingStatus.PLANNED,
        start_time=dt.time(9, 30),
        place="南昌大学，前湖校区; 202室",
    )
    held = make_meeting(cast.groups["ncu"], today - dt.timedelta(days=10))
    cancelled = make_meeting(
        cast.groups["ncu"], today + dt.timedelta(days=9), status=MeetingStatus.CANCELLED
    )
    invited = make_meeting(
        cast.groups["ecjtu"], today + dt.timedelta(days=7), status=MeetingStatus.PLANNED
    )
    invited.title = "华东交大调度会"
    invited.save()
    services.meeting_invite(actor=cast.province_admin, meeting=invited, users=[cast.instructor])
    elsewhere = make_meeting(
        cast.groups["jxufe"], today + dt.timedelta(days=6), status=MeetingStatus.PLANNED
    )
    old = make_meeting(cast.groups["ncu"], today - dt.timedelta(days=400))

    _token, raw = services.calendar_token_for(actor=cast.instructor)
    response = Client().get(reverse("meetings:calendar_token_feed", args=[raw]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    events = {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"meeting-{m.pk}" for m in (own, held, cancelled, invited)}
    assert f"meeting-{elsewhere.pk}" not in events and f"meeting-{old.pk}" not in events
    mine = events[f"meeting-{own.pk}"]
    assert str(mine["LOCATION"]) == "南昌大学，前湖校区; 202室"
    assert mine.decoded("DTSTART") == timezone.make_aware(
        dt.datetime.combine(own.date, dt.time(9, 30))
    )
    assert str(events[f"meeting-{cancelled.pk}"]["STATUS"]) == "CANCELLED"
    assert str(events[f"meeting-{held.pk}"]["STATUS"]) == "CONFIRMED"
    assert "华东交大调度会" in str(events[f"meeting-{invited.pk}"]["SUMMARY"])


def test_the_feed_is_the_token_owners_scope(cast: Cast) -> None:
    today = timezone.localdate()
    ncu = make_meeting(cast.groups["ncu"], today, status=MeetingStatus.PLANNED)
    _token, raw = services.calendar_token_for(actor=cast.instructor_ecjtu)
    body = Client().get(reverse("meetings:calendar_token_feed", args=[raw])).content.decode()
    assert f"meeting-{ncu.pk}@" not in body
    # A school, with no group and no invitation, subscribes to an empty calendar.
    _token, school_raw = services.calendar_token_for(actor=cast.school_user)
    empty = Client().get(reverse("meetings:calendar_token_feed", args=[school_raw]))
    assert empty.status_code == 200 and b"BEGIN:VEVENT" not in empty.content


def test_reset_revokes_the_old_link(cast: Cast) -> None:
    client = _client(cast.instructor)
    old_url = client.get(reverse("meetings:calendar_subscription")).context["url"]
    assert Client().get(_feed_path(old_url)).status_code == 200
    response = client.post(reverse("meetings:calendar_reset"), follow=True)
    assert "原链接已失效" in response.content.decode()
    new_url = response.context["url"]
    assert new_url != old_url
    assert Client().get(_feed_path(old_url)).status_code == 404
    assert Client().get(_feed_path(new_url)).status_code == 200
    assert CalendarToken.objects.filter(user=cast.instructor).count() == 2
    assert CalendarToken.objects.live().filter(user=cast.instructor).count() == 1


def test_unknown_tampered_and_deactivated_tokens_answer_404(cast: Cast) -> None:
    _token, raw = services.calendar_token_for(actor=cast.instructor)
    feed = "meetings:calendar_token_feed"
    assert Client().get(reverse(feed, args=["x" * 43])).status_code == 404
    assert (
        Client().get(reverse(feed, args=[raw[:-1] + ("A" if raw[-1] != "A" else "B")])).status_code
        == 404
    )
    assert Client().get(reverse(feed, args=["a" * 500])).status_code == 404
    # Another user's nonce with this user's id does not match (the HMAC binds both).
    assert not tokens.matches(raw, cast.leader.pk, CalendarToken.objects.get().nonce)
    cast.instructor.is_active = False
    cast.instructor.save(update_fields=["is_active"])
    assert Client().get(reverse(feed, args=[raw])).status_code == 404


def test_anonymous_cannot_open_the_page_or_reset(cast: Cast) -> None:
    for name in ("meetings:calendar_subscription", "meetings:calendar_reset"):
        response = Client().post(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not CalendarToken.objects.exists()


def test_calendar_meetings_do_not_repeat(cast: Cast) -> None:
    """A meeting of one's own group to which one is also invited appears once."""
    m = make_meeting(cast.groups["ncu"], timezone.localdate(), status=MeetingStatus.PLANNED)
    services.meeting_invite(actor=cast.leader, meeting=m, users=[cast.instructor, cast.leader])
    from handinhand.meetings.selectors import calendar_meetings_for

    assert list(calendar_meetings_for(cast.leader)) == [Meeting.objects.get(pk=m.pk)]


def test_after_a_key_rotation_the_page_shows_a_link_that_works(cast: Cast, settings: Any) -> None:
    """Review finding: the shown link was rebuilt with the new key but looked up by the old
    digest, so it answered 404 for ever; now it is replaced."""
    _row, old = services.calendar_token_for(actor=cast.instructor)
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    row, raw = services.calendar_token_for(actor=cast.instructor)
    assert raw != old and tokens.digest(raw) == row.digest
    assert selectors.calendar_token_owner(raw) == cast.instructor
