"""Reads of organisations, each starting from visible_to(user)."""

from __future__ import annotations

from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery

from handinhand.accounts.models import User
from handinhand.orgs import hooks
from handinhand.orgs.models import Region, School, University


def schools_for_list(user: User) -> QuerySet[School]:
    return School.objects.visible_to(user).select_related("county__parent")


def school_detail_qs(user: User) -> QuerySet[School]:
    return School.objects.visible_to(user).select_related("county__parent")


def universities_for_list(user: User) -> QuerySet[University]:
    return (
        University.objects.visible_to(user)
        .select_related("city")
        .annotate(
            group_count=Count(
                "led_groups",
                filter=Q(led_groups__in=hooks.visible_groups.get()(user)),
                distinct=True,
            ),
            recognition_count=Count("recognitions", distinct=True),
        )
    )


def regions_for_list(user: User) -> QuerySet[Region]:
    """Regions in scope, each with the number of schools in its subtree that the user sees."""
    in_subtree = (
        School.objects.visible_to(user)
        .filter(county__path__startswith=OuterRef("path"))
        .order_by()
        # COUNT as a plain function, not an aggregate, so no GROUP BY enters the subquery.
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    return (
        Region.objects.visible_to(user)
        .select_related("parent")
        .annotate(school_count=Subquery(in_subtree, output_field=IntegerField()))
    )
