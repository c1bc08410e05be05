"""Django admin registrations: a read-only view of the data for operators and the baseline of
benchmarks/school_list.py. Writes go through services (audit, scope), never through the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from handinhand.orgs.models import Region, School, University, UniversityRecognition


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Lists and detail pages only: the admin would bypass the services and their audit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)


@admin.register(University)
class UniversityAdmin(ReadOnlyAdmin):
    list_display = ("name", "short_name", "code", "city", "party_secretary")
    list_filter = ("city",)
    search_fields = ("name", "short_name", "code")
    list_select_related = ("city",)


@admin.register(UniversityRecognition)
class UniversityRecognitionAdmin(ReadOnlyAdmin):
    list_display = ("university", "kind", "unit_name", "year")
    list_filter = ("kind", "year")
    search_fields = ("unit_name", "university__name")
    list_select_related = ("university",)


@admin.register(School)
class SchoolAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "credit_code",
        "county",
        "school_type",
        "party_org_form",
        "secretary",
        "student_count",
        "teacher_count",
    )
    list_filter = ("school_type", "party_org_form", "county__parent")
    search_fields = ("name", "credit_code", "secretary")
    list_select_related = ("county",)
