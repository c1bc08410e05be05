"""Pages of the annual reports for the site-wide scope matrix (core/tests/test_scope_matrix.py)."""

from __future__ import annotations

from handinhand.reports.tests.factories import a_job, ncu_report

OBJECT_PAGES = {
    "reports:report_detail": (
        lambda c: ncu_report(c).pk,
        "instructor",
        # Drafts and the leader's duty section are internal to the group (issue 9).
        ["outsider", "instructor_ecjtu", "audit_admin", "school_user", "county_user", "city_user"],
    ),
    "reports:report_edit": (
        lambda c: ncu_report(c).pk,
        "leader",
        ["instructor", "outsider", "province_admin", "instructor_ecjtu"],
    ),
    "reports:report_submit": (
        lambda c: ncu_report(c).pk,
        "leader",
        ["instructor", "outsider", "province_admin"],
    ),
    "reports:report_acknowledge": (
        lambda c: ncu_report(c, status="submitted").pk,
        "province_admin",
        ["leader", "city_user", "outsider"],
    ),
    "reports:report_return": (
        lambda c: ncu_report(c, status="submitted").pk,
        "province_admin",
        ["leader", "instructor", "city_user", "outsider"],
    ),
    "reports:report_docx": (
        lambda c: ncu_report(c).pk,
        "instructor",
        ["outsider", "instructor_ecjtu", "system_admin", "school_user", "city_user"],
    ),
    "reports:job_detail": (
        lambda c: a_job(c).pk,
        "province_admin",
        ["leader", "city_user", "audit_admin"],
    ),
}

ROLE_PAGES = {
    "reports:report_generate": ("province_admin", ["leader", "city_user", "audit_admin"]),
}

OPEN_PAGES = {"reports:report_list"}
