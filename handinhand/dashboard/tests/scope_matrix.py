"""The dashboard's pages for core/tests/test_scope_matrix.py."""

# Open to every signed-in user; each section is narrowed by scope (programme/tests/test_views.py,
# dashboard/tests/test_homes.py).
OPEN_PAGES = {"dashboard:home", "dashboard:home_work"}

# The cockpit: province admin and region staff only (dashboard/tests/test_cockpit.py tries
# the regions each may drill into).
ROLE_PAGES = {
    "dashboard:cockpit": ("county_user", ["instructor", "leader", "school_user", "system_admin"]),
}
