"""Pages of 业务培训 for the site-wide scope matrix (core/tests/test_scope_matrix.py)."""

from __future__ import annotations

from handinhand.training.tests.factories import ncu_attendance, ncu_material, ncu_session

OBJECT_PAGES = {
    "training:session_detail": (
        lambda c: ncu_session(c).pk,
        "instructor",
        ["outsider", "instructor_ecjtu", "school_user", "audit_admin"],
    ),
    "training:session_edit": (
        lambda c: ncu_session(c).pk,
        "leader",
        ["instructor", "outsider", "instructor_ecjtu", "city_user"],
    ),
    "training:attendance_add": (
        lambda c: ncu_session(c).pk,
        "leader",
        ["instructor", "outsider", "instructor_ecjtu"],
    ),
    "training:material_upload": (
        lambda c: ncu_session(c).pk,
        "leader",
        ["instructor", "outsider", "instructor_ecjtu"],
    ),
    "training:attendance_remove": (
        lambda c: ncu_attendance(c).pk,
        "leader",
        ["instructor", "outsider", "instructor_jxufe"],
    ),
    "training:material_download": (
        lambda c: ncu_material(c).pk,
        "instructor",
        ["outsider", "instructor_ecjtu", "school_user"],
    ),
}

ROLE_PAGES = {
    "training:session_create": ("province_admin", ["instructor", "school_user", "city_user"]),
}

OPEN_PAGES = {"training:session_list", "training:hours"}
