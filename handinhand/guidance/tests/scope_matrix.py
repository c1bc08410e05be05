"""Guidance pages in the site-wide scope matrix (merged by core/tests/test_scope_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

Arg = Callable[[Any], Any]


def _visit(cast: Any) -> Any:
    from handinhand.guidance.tests.conftest import plan_visit

    return plan_visit(cast)


def _attachment(cast: Any) -> Any:
    from handinhand.guidance.services import attachment_add

    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    return attachment_add(actor=cast.instructor, visit=_visit(cast), upload=png)


def _finding(cast: Any) -> Any:
    from handinhand.guidance.tests.conftest import raise_finding

    return raise_finding(cast)


def _answered(cast: Any) -> Any:
    from handinhand.guidance.services import finding_answer

    finding = _finding(cast)
    pdf = SimpleUploadedFile("整改.pdf", b"%PDF-1.4\n" + b"0" * 64, "application/pdf")
    return finding_answer(actor=cast.school_user, finding=finding, measures="已整改", evidence=pdf)


def _brand(cast: Any) -> Any:
    from handinhand.guidance.services import brand_propose

    return brand_propose(
        actor=cast.school_user, school=cast.school, name="红烛先锋", idea="理念", measures="举措"
    )


def _resource(cast: Any) -> Any:
    from handinhand.guidance.services import resource_publish

    pdf = SimpleUploadedFile("党建理论.pdf", b"%PDF-1.4\n" + b"0" * 64, "application/pdf")
    return resource_publish(
        actor=cast.leader,
        university=cast.universities["ncu"],
        kind="theory",
        title="党建理论读本",
        upload=pdf,
    )


OBJECT_PAGES: dict[str, tuple[Arg, str, list[str]]] = {
    "guidance:visit_detail": (
        lambda c: _visit(c).pk,
        "school_user",
        ["outsider", "instructor_ecjtu", "audit_admin"],
    ),
    "guidance:visit_edit": (
        lambda c: _visit(c).pk,
        "instructor",
        ["school_user", "instructor_ecjtu", "outsider", "city_user"],
    ),
    "guidance:visit_mark_held": (
        lambda c: _visit(c).pk,
        "instructor",
        ["school_user", "instructor_ecjtu", "outsider"],
    ),
    "guidance:visit_cancel": (
        lambda c: _visit(c).pk,
        "instructor",
        ["school_user", "instructor_ecjtu", "outsider"],
    ),
    "guidance:attachment_upload": (
        lambda c: _visit(c).pk,
        "instructor",
        ["school_user", "instructor_ecjtu", "outsider"],
    ),
    "guidance:visit_docx": (
        lambda c: _visit(c).pk,
        "county_user",
        ["outsider", "instructor_ecjtu", "system_admin"],
    ),
    "guidance:attachment_download": (
        lambda c: _attachment(c).pk,
        "school_user",
        ["outsider", "instructor_jxufe", "security_admin"],
    ),
    "guidance:finding_detail": (
        lambda c: _finding(c).pk,
        "school_user",
        ["outsider", "instructor_ecjtu", "audit_admin"],
    ),
    "guidance:finding_answer": (
        lambda c: _finding(c).pk,
        "school_user",
        ["outsider", "instructor_ecjtu"],
    ),
    "guidance:finding_accept": (
        lambda c: _finding(c).pk,
        "instructor",
        ["outsider", "instructor_ecjtu"],
    ),
    "guidance:finding_return": (
        lambda c: _finding(c).pk,
        "instructor",
        ["outsider", "instructor_jxufe"],
    ),
    "guidance:evidence_download": (
        lambda c: _answered(c).pk,
        "school_user",
        ["outsider", "instructor_ecjtu", "audit_admin"],
    ),
    "guidance:brand_detail": (
        lambda c: _brand(c).pk,
        "school_user",
        ["outsider", "instructor_ecjtu", "system_admin"],
    ),
    "guidance:brand_advance": (
        lambda c: _brand(c).pk,
        "leader",
        ["outsider", "instructor", "school_user", "instructor_ecjtu"],
    ),
    "guidance:resource_download": (
        lambda c: _resource(c).pk,
        "school_user",
        ["outsider", "instructor_ecjtu", "audit_admin"],
    ),
}

ROLE_PAGES: dict[str, tuple[str, list[str]]] = {
    "guidance:resource_create": ("leader", ["school_user", "county_user", "province_admin"]),
    "guidance:brand_create": ("school_user", ["instructor", "county_user", "province_admin"]),
    "guidance:finding_create": ("instructor", ["school_user", "county_user", "province_admin"]),
    "guidance:visit_create": ("instructor", ["school_user", "city_user", "audit_admin"]),
    "guidance:coverage": ("county_user", ["school_user", "system_admin", "audit_admin"]),
    "guidance:coverage_districts": ("instructor", ["school_user", "security_admin"]),
    "guidance:workbench": ("instructor", ["school_user", "county_user", "province_admin"]),
    "guidance:visit_field": ("instructor", ["school_user", "county_user", "province_admin"]),
    "guidance:visit_field_schools": ("instructor", ["school_user", "city_user", "outsider"]),
    "guidance:visit_field_schools_json": ("instructor", ["school_user", "city_user", "outsider"]),
    "guidance:visit_field_submit": ("instructor", ["school_user", "county_user", "outsider"]),
}

# The field screen's service worker: static code, fetched by the browser without a session.
PUBLIC_PAGES = {"guidance:service_worker"}

OPEN_PAGES = {
    "guidance:visit_list",
    "guidance:visit_calendar",
    "guidance:finding_list",
    "guidance:finding_stats",
    "guidance:brand_list",
    "guidance:brand_showcase",
    "guidance:resource_list",
}
