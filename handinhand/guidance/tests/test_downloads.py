"""Downloads of user files in guidance: served by the checked kind, never by the name
(issue 9 item 1: stored XSS through a visit attachment)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handinhand.guidance import services
from handinhand.guidance.models import Rectification

PNG = b"\x89PNG\r\n\x1a\n"
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _assert_safe(response, content_type: str, disposition: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith(disposition + ";")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_png_signature_with_html_named_notice_html_is_never_served_as_html(cast, visit, client_for):
    polyglot = PNG + b"<html><script>alert(document.cookie)</script></html>"
    client = client_for(cast.instructor)
    client.post(
        reverse("guidance:attachment_upload", args=[visit.pk]),
        {"file": SimpleUploadedFile("notice.html", polyglot, "text/html")},
    )
    attachment = visit.attachments.first()
    if attachment is None:  # refused: equally safe
        return
    response = client_for(cast.school_user).get(
        reverse("guidance:attachment_download", args=[attachment.pk])
    )
    assert "html" not in response["Content-Type"]
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert '.html"' not in response["Content-Disposition"]
    assert "notice.html.png" in response["Content-Disposition"]


def test_visit_attachment_headers(cast, visit, client_for):
    for name, data in (("现场.png", PNG + b"\0" * 16), ("纪要.pdf", PDF)):
        services.attachment_add(
            actor=cast.instructor, visit=visit, upload=SimpleUploadedFile(name, data)
        )
    png, pdf = visit.attachments.order_by("pk")
    client = client_for(cast.school_user)
    response = client.get(reverse("guidance:attachment_download", args=[png.pk]))
    _assert_safe(response, "image/png", "inline")
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA.png" in response["Content-Disposition"]
    response = client.get(reverse("guidance:attachment_download", args=[pdf.pk]))
    _assert_safe(response, "application/pdf", "attachment")


def test_finding_evidence_headers(cast, finding, client_for):
    services.finding_answer(
        actor=cast.school_user,
        finding=finding,
        measures="已整改",
        evidence=SimpleUploadedFile("整改照片.png", PNG + b"\0" * 16, "text/html"),
    )
    answer = Rectification.objects.get(finding=finding)
    assert answer.evidence_kind == "png"
    response = client_for(cast.instructor).get(
        reverse("guidance:evidence_download", args=[answer.pk])
    )
    _assert_safe(response, "image/png", "inline")


def test_resource_headers(cast, client_for):
    resource = services.resource_publish(
        actor=cast.leader,
        university=cast.universities["ncu"],
        kind="brand",
        title="品牌手册",
        upload=SimpleUploadedFile("品牌手册.pdf", PDF, "text/html"),
    )
    assert resource.file_kind == "pdf"
    response = client_for(cast.school_user).get(
        reverse("guidance:resource_download", args=[resource.pk])
    )
    _assert_safe(response, "application/pdf", "attachment")
    assert "%E5%93%81%E7%89%8C%E6%89%8B%E5%86%8C.pdf" in response["Content-Disposition"]
