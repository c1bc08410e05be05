"""Pages of 经费保障 for the site-wide scope matrix (core/tests/test_scope_matrix.py).

The 南昌大学 unit contact (its finance contact) is not one of the fixed cast; `finance` adds
them (`cast.unit_contact`) when a page's argument is built, before the insider is looked up."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from handinhand.funding.tests.factories import approved, disbursed, finance, spent

PDF = b"%PDF-1.4\n%\xe2\xe3\n"


def _university(c):
    finance(c)
    return c.universities["ncu"].pk


def _allocation(c):
    finance(c)
    return approved(c).pk


def _disbursement(c):
    finance(c)
    approved(c)
    return disbursed(c).pk


def _with_attachment(c):
    from handinhand.funding import services
    from handinhand.funding.tests.factories import YEAR, doc

    finance(c)
    approved(c)
    import datetime as dt

    return services.disbursement_create(
        actor=c.province_admin,
        university=c.universities["ncu"],
        year=YEAR,
        date=dt.date(YEAR, 3, 1),
        amount="100",
        doc_number=doc(),
        attachment=SimpleUploadedFile("下拨.pdf", PDF),
    ).pk


def _expense(c):
    approved(c)
    return spent(c).pk


def _receipt(c):
    approved(c)
    return spent(c, receipt=SimpleUploadedFile("票据.pdf", PDF)).pk


OUT = ["instructor", "leader", "school_user", "city_user", "audit_admin"]

OBJECT_PAGES = {
    "funding:university": (_university, "unit_contact", [*OUT, "instructor_ecjtu"]),
    "funding:allocation_calc": (_university, "province_admin", ["unit_contact", *OUT]),
    "funding:disbursement_create": (_university, "province_admin", ["unit_contact", *OUT]),
    "funding:expense_create": (_university, "unit_contact", ["province_admin", *OUT]),
    "funding:expense_import": (_university, "unit_contact", ["province_admin", *OUT]),
    "funding:month_close": (_university, "unit_contact", ["province_admin", *OUT]),
    "funding:ledger_xlsx": (_university, "unit_contact", OUT),
    "funding:allocation_detail": (_allocation, "unit_contact", OUT),
    "funding:disbursement_correct": (_disbursement, "province_admin", ["unit_contact", *OUT]),
    "funding:disbursement_attachment": (_with_attachment, "unit_contact", OUT),
    "funding:expense_edit": (_expense, "unit_contact", OUT),
    "funding:expense_correct": (_expense, "unit_contact", ["province_admin", *OUT]),
    "funding:expense_receipt": (_receipt, "unit_contact", OUT),
}

ROLE_PAGES = {
    "funding:summary": ("province_admin", OUT),
    "funding:summary_xlsx": ("province_admin", OUT),
    "funding:expense_template": ("province_admin", OUT),
}

OPEN_PAGES = {"funding:expense_list"}
