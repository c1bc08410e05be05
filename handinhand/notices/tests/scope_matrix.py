"""Pages of notices for the site-wide scope matrix (core/tests/test_scope_matrix.py): a notice of
湘东区 to its school users — the school user reads it, the county's bureau sees its receipts;
nobody else finds it."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from handinhand.notices import services
from handinhand.notices.audience import Audience
from handinhand.notices.tests.factories import county_notice


def _notice(c):
    return county_notice(c).pk


def _attachment(c):
    notice = services.notice_publish(
        actor=c.county_user,
        title="附件通知",
        body="见附件",
        audience=Audience.of(roles=["school_user"]),
        attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    return notice.attachments.get().pk


OBJECT_PAGES = {
    "notices:detail": (
        _notice,
        "school_user",
        ["outsider", "instructor", "city_user", "audit_admin"],
    ),
    "notices:edit": (
        _notice,
        "county_user",
        ["school_user", "city_user", "province_admin", "outsider"],
    ),
    "notices:receipts": (
        _notice,
        "county_user",
        ["school_user", "city_user", "outsider", "instructor"],
    ),
    "notices:remind": (_notice, "county_user", ["school_user", "province_admin", "city_user"]),
    "notices:attachment": (_attachment, "school_user", ["outsider", "instructor", "city_user"]),
}

ROLE_PAGES = {
    "notices:create": ("county_user", ["instructor", "school_user", "audit_admin", "leader"]),
    "notices:audience_search": ("city_user", ["instructor", "school_user", "system_admin"]),
}

OPEN_PAGES = {"notices:list", "notices:badge"}
