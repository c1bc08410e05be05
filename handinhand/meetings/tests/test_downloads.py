"""Meeting files are checked by their content and served by the checked kind."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handinhand.meetings import services


def test_meeting_file_is_checked_by_content_and_served_by_kind(
    cast, meeting, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # Named like a PDF, but a page with a script: refused.
    html = SimpleUploadedFile("纪要.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.meeting_file_add(actor=cast.leader, meeting=meeting, upload=html)
    item = services.meeting_file_add(
        actor=cast.leader, meeting=meeting, upload=SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4")
    )
    assert item.kind == "pdf"
    response = client_for(cast.leader).get(reverse("meetings:file_download", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf"
        in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
