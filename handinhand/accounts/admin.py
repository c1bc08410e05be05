"""Read-only Django admin for accounts (see orgs/admin.py): account changes belong to the
system and security administrators' own pages, which audit them."""

from __future__ import annotations

from django.contrib import admin

from handinhand.accounts.models import RoleAssignment, User
from handinhand.orgs.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "full_name", "work_unit", "title", "is_active", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("username", "full_name", "work_unit")
    exclude = ("password",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "region", "school", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__full_name")
    list_select_related = ("user", "region", "school")
