"""An iCalendar (RFC 5545) feed of meetings, written by hand: the format needs only escaping,
CRLF line ends and folding at 75 octets, which does not justify a dependency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from handinhand.meetings.models import Meeting

PRODID = "-//HandInHand//Meetings//ZH"
MEETING_HOURS = 2  # a planned meeting without an end is shown as two hours long


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (§3.1)."""
    out: list[str] = []
    current, size = "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size = " ", 1  # continuation lines start with one space
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _description(meeting: Meeting) -> str:
    return "\n".join(x for x in (meeting.group.name, meeting.agenda) if x)


def event(meeting: Meeting, stamp: dt.datetime, host: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{_utc(stamp)}",
    ]
    if meeting.start_time is not None:
        start = timezone.make_aware(dt.datetime.combine(meeting.date, meeting.start_time))
        lines += [
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(start + dt.timedelta(hours=MEETING_HOURS))}",
        ]
    else:
        lines += [
            f"DTSTART;VALUE=DATE:{meeting.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{meeting.date + dt.timedelta(days=1):%Y%m%d}",
        ]
    lines += [
        f"SUMMARY:{escape(f'{meeting.title}（{meeting.get_kind_display()}）')}",
        f"DESCRIPTION:{escape(_description(meeting))}",
        f"SEQUENCE:{meeting.version}",
        # A held meeting stays in a subscriber's calendar; a cancelled one is struck out.
        "STATUS:CANCELLED" if meeting.status == "cancelled" else "STATUS:CONFIRMED",
    ]
    if meeting.place:
        lines.append(f"LOCATION:{escape(meeting.place)}")
    lines.append("END:VEVENT")
    return lines


def feed(meetings: Iterable[Meeting], *, now: dt.datetime | None = None) -> str:
    stamp = now or timezone.now()
    host = (settings.ALLOWED_HOSTS or ["handinhand"])[0].lstrip(".") or "handinhand"
    if host == "*":
        host = "handinhand"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape('指导组会议')}",
        # A subscribed calendar (issue 14) asks again every hour (Outlook, Apple, Google).
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for meeting in meetings:
        lines += event(meeting, stamp, host)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
