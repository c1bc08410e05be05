"""Read-only Django admin for the programme's structure (see orgs/admin.py)."""

from __future__ import annotations

from django.contrib import admin

from handinhand.orgs.admin import ReadOnlyAdmin
from handinhand.programme.models import (
    Batch,
    District,
    DistrictSchool,
    GuidanceGroup,
    Membership,
    Pairing,
)


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("number", "name", "start_year", "status")
    list_filter = ("status",)
    search_fields = ("name",)


@admin.register(GuidanceGroup)
class GuidanceGroupAdmin(ReadOnlyAdmin):
    list_display = ("name", "level", "region", "lead_university", "batch", "is_active")
    list_filter = ("level", "batch", "is_active")
    search_fields = ("name", "lead_university__name")
    list_select_related = ("region", "lead_university", "batch")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "group", "role", "subgroup", "term_start", "is_active")
    list_filter = ("role", "is_active", "group__level")
    search_fields = ("user__username", "user__full_name", "group__name")
    list_select_related = ("user", "group")


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = ("group", "region", "batch", "since")
    list_filter = ("batch",)
    search_fields = ("group__name", "region__name")
    list_select_related = ("group", "region", "batch")


@admin.register(District)
class DistrictAdmin(ReadOnlyAdmin):
    list_display = ("name", "group", "batch")
    list_filter = ("batch",)
    search_fields = ("name", "group__name")
    list_select_related = ("group", "batch")


@admin.register(DistrictSchool)
class DistrictSchoolAdmin(ReadOnlyAdmin):
    list_display = ("school", "district", "batch", "assigned_at")
    list_filter = ("batch",)
    search_fields = ("school__name", "school__credit_code", "district__name")
    list_select_related = ("school", "district__group", "batch")
