"""Pages of 遴选与聘任 for the site-wide scope matrix (core/tests/test_scope_matrix.py).

The 南昌大学 unit contact is not one of the fixed cast; `setup` adds them
(`cast.unit_contact`) when a page's argument is built, before the insider is looked up."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from handinhand.appointments import services
from handinhand.appointments.models import AppointmentLetter, Nomination, NominationSet
from handinhand.appointments.tests.factories import new_set, nominate, setup
from handinhand.programme.models import MemberRole


def _draft_set(c):
    s = setup(c)
    existing = NominationSet.objects.filter(group=s.group, status="draft").first()
    return (existing or new_set(s)).pk


def _draft_nomination(c):
    s = setup(c)
    nomination_set = new_set(s)  # a set of its own each time: builders run side by side
    person = s.people[0]
    pdf = SimpleUploadedFile("履历.pdf", b"%PDF-1.4\n%test\n")
    return nominate(s, nomination_set, person, files=[pdf])


def _nomination(c):
    return _draft_nomination(c).pk


def _pending(c):
    n = _draft_nomination(c)
    n.nomination_set.nominations.filter(status="draft").update(status="pending")
    return n.pk


def _pending_set(c):
    n = Nomination.objects.get(pk=_pending(c))
    return n.nomination_set_id


def _attachment(c):
    return _draft_nomination(c).attachments.get().pk


def _letter(c):
    s = setup(c)
    existing = AppointmentLetter.objects.filter(kind="person").first()
    if existing is not None:
        return existing.pk
    nomination_set = new_set(s)
    n = nominate(s, nomination_set, s.people[5], MemberRole.LEADER)
    services.set_submit(actor=s.contact, nomination_set=nomination_set, confirm_below_quota=True)
    services.nomination_approve(actor=c.province_admin, nomination=n, confirm_below_quota=True)
    return AppointmentLetter.objects.get(nomination=n).pk


def _group(c):
    return setup(c).group.pk


OUT = ["instructor", "leader", "school_user", "city_user", "outsider", "audit_admin"]

OBJECT_PAGES = {
    "appointments:set_create": (_group, "unit_contact", ["province_admin", *OUT]),
    "appointments:set_detail": (_draft_set, "unit_contact", [*OUT, "instructor_ecjtu"]),
    "appointments:set_edit": (_draft_set, "unit_contact", ["province_admin", *OUT]),
    "appointments:set_submit": (_draft_set, "unit_contact", ["province_admin", *OUT]),
    "appointments:set_approve_all": (_pending_set, "province_admin", ["unit_contact", *OUT]),
    "appointments:nomination_create": (_draft_set, "unit_contact", ["province_admin", *OUT]),
    "appointments:nomination_edit": (_nomination, "unit_contact", ["province_admin", *OUT]),
    "appointments:nomination_remove": (_nomination, "unit_contact", ["province_admin", *OUT]),
    "appointments:nomination_approve": (_pending, "province_admin", ["unit_contact", *OUT]),
    "appointments:nomination_return": (_pending, "province_admin", ["unit_contact", *OUT]),
    "appointments:nomination_resubmit": (_pending, "unit_contact", ["province_admin", *OUT]),
    "appointments:nomination_withdraw": (_pending, "unit_contact", ["province_admin", *OUT]),
    "appointments:attachment": (_attachment, "unit_contact", OUT),
    "appointments:letter_download": (_letter, "unit_contact", OUT),
}

ROLE_PAGES = {
    "appointments:set_list": (
        "province_admin",
        ["instructor", "leader", "school_user", "audit_admin", "system_admin"],
    ),
    "appointments:roster_import": (
        "province_admin",
        ["instructor", "leader", "school_user", "audit_admin"],
    ),
    "appointments:roster_template": (
        "province_admin",
        ["instructor", "leader", "school_user", "audit_admin"],
    ),
}

OPEN_PAGES = {"appointments:letter_list"}
