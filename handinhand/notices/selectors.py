"""Reads of notices, each starting from `visible_to(user)` or from the user's own receipts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet

from handinhand.notices.access import publisher_paths
from handinhand.notices.audience import groups_concerning
from handinhand.notices.models import Notice, NoticeReceipt
from handinhand.orgs.models import Region, School
from handinhand.programme.models import GuidanceGroup


def received(user: Any) -> QuerySet[NoticeReceipt]:
    """The user's notices: unread first, then pinned, then the newest; one query a page."""
    return (
        NoticeReceipt.objects.filter(user_id=getattr(user, "pk", 0) or 0)
        .select_related("notice", "notice__publisher_region")
        .annotate(
            unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()),
            updated=ExpressionWrapper(
                Q(read_at__isnull=False) & Q(read_revision__lt=F("notice__revision")),
                output_field=BooleanField(),
            ),
        )
        .order_by("-unread", "-notice__pinned", "-notice__published_at", "-pk")
    )


def sent(user: Any) -> QuerySet[Notice]:
    """What the user's bureau published (the province: every notice), with receipt counts."""
    return (
        Notice.objects.visible_to(user)
        .published_by_side_of(user)
        .select_related("publisher", "publisher_region")
        .annotate(
            recipients=Count("receipts", distinct=True),
            read=Count("receipts", filter=Q(receipts__read_at__isnull=False), distinct=True),
        )
        .order_by("-pinned", "-published_at", "-pk")
    )


def unread_count(user: Any) -> int:
    return NoticeReceipt.objects.filter(
        user_id=getattr(user, "pk", 0) or 0, read_at__isnull=True
    ).count()


def receipt_counts(notice: Notice) -> dict[str, int]:
    """已读/未读 of a notice, and how many read its latest text; one query."""
    counts = NoticeReceipt.objects.filter(notice=notice).aggregate(
        total=Count("pk"),
        read=Count("pk", filter=Q(read_at__isnull=False)),
        read_latest=Count("pk", filter=Q(read_revision=notice.revision)),
        reminded=Count("pk", filter=Q(reminded_at__isnull=False)),
    )
    counts["unread"] = counts["total"] - counts["read"]
    return counts


def unread_receipts(notice: Notice) -> QuerySet[NoticeReceipt]:
    """Who has not read the notice, with where they are (the receipts page's rows)."""
    return NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True).select_related(
        "user", "region"
    )


def receipt_of(user: Any, notice: Notice) -> NoticeReceipt | None:
    return NoticeReceipt.objects.filter(notice=notice, user_id=getattr(user, "pk", 0) or 0).first()


PICKER_LIMIT = 20
PICKER_KINDS = ("regions", "groups", "schools")


def picker_items(
    user: Any, kind: str, selected: list[str], text: str = ""
) -> list[tuple[str, str, bool]]:
    """(value, label, checked) for an audience picker: the chosen ones first, then up to
    PICKER_LIMIT matches of `text`, all inside the publisher's scope. Two queries."""

    paths = publisher_paths(user)
    if not paths:
        return []
    qs: QuerySet[Any]
    label: Callable[[Any], str]
    if kind == "regions":
        qs = Region.objects.exclude(level="province").select_related("parent")
        place = Q(pk__in=[])
        for path in paths:
            place |= Q(path__startswith=path)
        qs = qs.filter(place)
        field, label = "name", lambda r: r.full_name
        chosen = [s for s in selected if s.isdigit()]
    elif kind == "groups":
        qs = GuidanceGroup.objects.filter(is_active=True).filter(groups_concerning(paths))
        qs = GuidanceGroup.objects.filter(pk__in=qs.values("pk"))
        field, label = "name", str
        chosen = [s for s in selected if s.isdigit()]
    elif kind == "schools":
        place = Q(pk__in=[])
        for path in paths:
            place |= Q(county__path__startswith=path)
        qs = School.objects.filter(place).select_related("county")
        field, label = "name", lambda s: f"{s.name}（{s.county.name}）"
        chosen = [s for s in selected if s.isdigit()]
    else:
        return []
    picked = list(qs.filter(pk__in=chosen).order_by(field)) if chosen else []
    items = [(str(o.pk), label(o), True) for o in picked]
    text = text.strip()
    if text:
        seen = {o.pk for o in picked}
        matches = qs.filter(**{f"{field}__icontains": text}).exclude(pk__in=seen)
        items += [(str(o.pk), label(o), False) for o in matches.order_by(field)[:PICKER_LIMIT]]
    return items
