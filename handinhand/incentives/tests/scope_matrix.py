"""Pages of the assessment for the site-wide scope matrix (core/tests/test_scope_matrix.py).

The 南昌大学 unit contact is not one of the fixed cast; `ncu_unit` adds them to the cast
(`cast.unit_contact`) when a page's argument is built, before the insider is looked up."""

from __future__ import annotations

from handinhand.incentives.models import Assessment, LetterJob, Objection
from handinhand.incentives.services import letters_ensure
from handinhand.incentives.tests.factories import (
    a_priority,
    final_year,
    open_year,
    publicised_year,
    record,
)


def _own(c):  # the instructor's record in an open year
    return record(open_year(c), c.instructor).pk


def _publicised(c):
    return record(publicised_year(c), c.instructor).pk


def _final(c):
    return record(final_year(c), c.instructor).pk


def _letter(c):
    year = final_year(c)
    letters_ensure(year)
    return record(year, c.instructor).pk


def _objection(c):
    a = Assessment.objects.get(pk=_publicised(c))
    return Objection.objects.create(assessment=a, raised_by=c.instructor_ecjtu, text="有异议").pk


def _job(c):
    year = final_year(c)
    return LetterJob.objects.create(params={"year": year.pk}, created_by=c.province_admin).pk


OBJECT_PAGES = {
    "incentives:assessment_detail": (
        _own,
        "instructor",
        ["instructor_ecjtu", "outsider", "city_user", "audit_admin"],
    ),
    "incentives:assessment_summary": (
        _own,
        "instructor",
        ["leader", "province_admin", "instructor_ecjtu", "outsider"],
    ),
    "incentives:assessment_propose": (
        _own,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider", "city_user"],
    ),
    "incentives:assessment_confirm": (
        _own,
        "province_admin",
        ["leader", "instructor", "city_user", "unit_contact"],
    ),
    "incentives:assessment_return": (
        _own,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider"],
    ),
    "incentives:assessment_correct": (
        _final,
        "province_admin",
        ["leader", "instructor", "unit_contact"],
    ),
    "incentives:objection_create": (
        _publicised,
        "instructor_ecjtu",
        ["outsider", "city_user", "school_user", "system_admin"],
    ),
    "incentives:objection_answer": (
        _objection,
        "province_admin",
        ["leader", "instructor_ecjtu", "outsider"],
    ),
    "incentives:letter_download": (
        _letter,
        "instructor",
        ["instructor_ecjtu", "outsider", "city_user"],
    ),
    "incentives:year_detail": (
        lambda c: open_year(c).pk,
        "province_admin",
        ["leader", "instructor", "city_user", "audit_admin"],
    ),
    "incentives:year_publicise": (
        lambda c: open_year(c).pk,
        "province_admin",
        ["leader", "instructor", "city_user"],
    ),
    "incentives:year_finalise": (
        lambda c: publicised_year(c).pk,
        "province_admin",
        ["leader", "instructor", "city_user"],
    ),
    "incentives:year_refresh": (
        lambda c: open_year(c).pk,
        "province_admin",
        ["leader", "instructor", "city_user"],
    ),
    "incentives:year_letters": (
        lambda c: final_year(c).pk,
        "province_admin",
        ["leader", "instructor", "unit_contact"],
    ),
    "incentives:year_publicity": (
        lambda c: publicised_year(c).pk,
        "instructor_ecjtu",
        ["outsider", "city_user", "school_user", "audit_admin"],
    ),
    "incentives:job_detail": (_job, "province_admin", ["leader", "instructor", "audit_admin"]),
    "incentives:priority_record": (
        lambda c: a_priority(c).pk,
        "unit_contact",
        ["instructor", "leader", "instructor_ecjtu", "outsider"],
    ),
}

ROLE_PAGES = {
    "incentives:year_open": (
        "province_admin",
        ["leader", "instructor", "city_user", "audit_admin"],
    ),
    "incentives:unit_counts": (
        "province_admin",
        ["leader", "instructor", "city_user", "audit_admin"],
    ),
}

OPEN_PAGES = {
    "incentives:assessment_list",
    "incentives:priority_list",
    "incentives:year_list",
    "incentives:my_history",
}

# Open to anyone, signed in or not: the letter verification (only name, year, grade, areas).
PUBLIC_PAGES = {"incentives:verify"}
