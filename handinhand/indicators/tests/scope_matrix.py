"""This app's pages in the site-wide scope matrix (core/tests/test_scope_matrix.py)."""

from __future__ import annotations

from typing import Any

from handinhand.indicators.services import sample_framework_create
from handinhand.indicators.tests.conftest import make_cycle, make_draft


def _published(cast: Any) -> int:
    return sample_framework_create().pk


def _draft(cast: Any) -> int:
    return make_draft(cast).pk


def _draft_indicator(cast: Any) -> int:
    return make_draft(cast).indicators.get(code="6.3.3").pk


def _evaluation(cast: Any) -> int:
    return make_cycle(cast).evaluations.get(school=cast.school).pk


def _evidence(cast: Any) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from handinhand.indicators.models import Evaluation, EvidenceFile
    from handinhand.indicators.services import evaluation_leaves, evaluation_save_self

    evaluation = Evaluation.objects.get(pk=_evaluation(cast))
    leaf = evaluation_leaves(evaluation)[0]
    evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={},
        expected_version=evaluation.version,
        files={leaf.pk: [SimpleUploadedFile("制度.pdf", b"%PDF-1.4 matrix")]},
    )
    return EvidenceFile.objects.get(evaluation=evaluation).pk


ADMIN_ONLY = ["city_user", "leader", "school_user", "audit_admin"]
NON_BUSINESS = ["system_admin", "security_admin", "audit_admin"]

OBJECT_PAGES = {
    "indicators:framework_detail": (_published, "school_user", NON_BUSINESS),
    "indicators:framework_export": (_published, "instructor", NON_BUSINESS),
    "indicators:framework_copy": (_published, "province_admin", ADMIN_ONLY),
    "indicators:framework_edit": (_draft, "province_admin", ADMIN_ONLY),
    "indicators:framework_import": (_draft, "province_admin", ADMIN_ONLY),
    "indicators:framework_publish": (_draft, "province_admin", ADMIN_ONLY),
    "indicators:indicator_create": (_draft, "province_admin", ADMIN_ONLY),
    "indicators:indicator_edit": (_draft_indicator, "province_admin", ADMIN_ONLY),
    "indicators:indicator_delete": (_draft_indicator, "province_admin", ADMIN_ONLY),
    "indicators:cycle_detail": (lambda c: make_cycle(c).pk, "school_user", NON_BUSINESS),
    "indicators:cycle_progress": (lambda c: make_cycle(c).pk, "instructor", NON_BUSINESS),
    "indicators:evaluation_detail": (
        _evaluation,
        "school_user",
        ["instructor_ecjtu", "outsider", "audit_admin"],
    ),
    "indicators:evaluation_fill": (
        _evaluation,
        "school_user",
        ["instructor", "instructor_ecjtu", "outsider", "county_user"],
    ),
    "indicators:evaluation_review": (
        _evaluation,
        "instructor",
        ["school_user", "leader", "instructor_ecjtu", "county_user"],
    ),
    "indicators:evaluation_self_autosave": (
        _evaluation,
        "school_user",
        ["instructor", "instructor_ecjtu", "outsider", "county_user"],
    ),
    "indicators:evaluation_review_autosave": (
        _evaluation,
        "instructor",
        ["school_user", "leader", "instructor_ecjtu", "county_user"],
    ),
    "indicators:evidence_upload": (
        _evaluation,
        "school_user",
        ["instructor", "instructor_ecjtu", "outsider", "county_user"],
    ),
    "indicators:evaluation_move": (
        _evaluation,
        "leader",
        ["school_user", "instructor_ecjtu", "county_user", "province_admin"],
    ),
    "indicators:report_card": (
        _evaluation,
        "school_user",
        ["instructor_ecjtu", "outsider", "audit_admin"],
    ),
    "indicators:report_card_docx": (
        _evaluation,
        "county_user",
        ["instructor_ecjtu", "outsider", "system_admin"],
    ),
    "indicators:evidence_download": (
        _evidence,
        "school_user",
        ["instructor_ecjtu", "outsider", "audit_admin"],
    ),
}

ROLE_PAGES = {
    "indicators:framework_create": ("province_admin", ["city_user", "leader", "system_admin"]),
    "indicators:cycle_create": ("province_admin", ["city_user", "leader", "school_user"]),
    "indicators:analytics": ("city_user", ["school_user", "system_admin", "audit_admin"]),
}

OPEN_PAGES = {"indicators:framework_list", "indicators:cycle_list", "indicators:evaluation_list"}
