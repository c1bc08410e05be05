"""Pages of 党建研究课题 for the site-wide scope matrix (core/tests/test_scope_matrix.py).

The 南昌大学 unit contact (`cast.unit_contact`) and the outside expert (`cast.expert`, from
`expert`) are added to the cast when a page's argument is built."""

from __future__ import annotations

from handinhand.research import services
from handinhand.research.models import ApplicationFile
from handinhand.research.tests.factories import (
    a_call,
    apply,
    expert,
    past_deadline,
    ranked_call,
    submitted,
)


def _call(c):
    return a_call(c).pk


def _expert(c):
    c.expert = expert(c)
    return c.expert


def _draft(c):
    return apply(c, a_call(c), c.instructor).pk


def _submitted(c):
    app = apply(c, a_call(c), c.instructor)
    return services.application_submit(actor=c.instructor, application=app).pk


def _recommended(c):
    _expert(c)
    return submitted(c, a_call(c), c.instructor).pk


def _assigned(c):
    app = submitted(c, a_call(c), c.instructor)
    row = services.review_assign(actor=c.province_admin, application=app, reviewer=_expert(c))
    return row


def _review(c):
    return _assigned(c).pk


def _reviewed_app(c):
    return _assigned(c).application_id


def _ranked(c):
    _expert(c)
    call, _mine, _other = ranked_call(c)
    return call


def _approved(c):
    call = _ranked(c)
    services.call_publish(actor=c.province_admin, call=call)
    return call.applications.get(applicant=c.instructor).pk


def _file(c):
    from django.core.files.uploadedfile import SimpleUploadedFile

    app = apply(c, a_call(c), c.instructor)
    row = services.file_add(
        actor=c.instructor,
        application=app,
        upload=SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n" + b"x" * 64),
        purpose="application",
    )
    assert isinstance(row, ApplicationFile)
    return row.pk


def _after_deadline_call(c):
    return past_deadline(a_call(c)).pk


OBJECT_PAGES = {
    "research:call_detail": (_call, "instructor", ["audit_admin", "system_admin"]),
    "research:application_create": (_call, "instructor", ["audit_admin", "security_admin"]),
    "research:call_decision": (
        lambda c: _ranked(c).pk,
        "province_admin",
        ["instructor", "leader", "unit_contact", "expert"],
    ),
    "research:call_rank": (
        _after_deadline_call,
        "province_admin",
        ["instructor", "leader", "city_user"],
    ),
    "research:call_publish": (
        lambda c: _ranked(c).pk,
        "province_admin",
        ["instructor", "leader", "unit_contact"],
    ),
    "research:call_results": (
        lambda c: _ranked(c).pk,
        "province_admin",
        ["instructor", "leader", "unit_contact"],
    ),
    "research:application_detail": (
        _reviewed_app,
        "instructor",
        ["instructor_ecjtu", "leader", "outsider", "audit_admin", "city_user"],
    ),
    "research:application_edit": (
        _draft,
        "instructor",
        ["leader", "province_admin", "instructor_ecjtu", "outsider"],
    ),
    "research:application_submit": (_draft, "instructor", ["leader", "province_admin"]),
    "research:application_file": (
        _draft,
        "instructor",
        ["leader", "province_admin", "instructor_ecjtu"],
    ),
    "research:application_recommend": (
        _submitted,
        "unit_contact",
        ["instructor", "leader", "instructor_ecjtu", "outsider"],
    ),
    "research:review_assign": (
        _recommended,
        "province_admin",
        ["instructor", "unit_contact", "expert", "leader"],
    ),
    "research:decision_override": (
        lambda c: _ranked(c).applications.get(applicant=c.instructor).pk,
        "province_admin",
        ["instructor", "unit_contact", "leader"],
    ),
    "research:project_report": (
        _approved,
        "instructor",
        ["leader", "unit_contact", "province_admin", "instructor_ecjtu"],
    ),
    "research:notice_download": (
        _approved,
        "instructor",
        ["instructor_ecjtu", "outsider", "expert"],
    ),
    "research:file_download": (_file, "instructor", ["leader", "instructor_ecjtu", "outsider"]),
    "research:review": (
        _review,
        "expert",
        ["instructor", "leader", "province_admin", "unit_contact"],
    ),
}

ROLE_PAGES = {
    "research:call_create": (
        "province_admin",
        ["leader", "instructor", "city_user", "audit_admin"],
    ),
}

OPEN_PAGES = {"research:call_list", "research:application_list", "research:review_list"}
