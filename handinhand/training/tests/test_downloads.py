"""Training materials are checked by their content and served by the checked kind."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from handinhand.training import services
from handinhand.training.tests.factories import ncu_session


def test_material_is_checked_by_content_and_served_by_kind(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = ncu_session(cast)
    fake = SimpleUploadedFile("课件.pptx", b"<svg onload='alert(1)'/>", "image/svg+xml")
    with pytest.raises(ValidationError):
        services.material_upload(actor=cast.leader, session=session, upload=fake)
    photo = SimpleUploadedFile("合影.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 16, "text/html")
    material = services.material_upload(actor=cast.leader, session=session, upload=photo)
    assert material.kind == "jpg"
    client = Client()
    client.force_login(cast.instructor)
    response = client.get(reverse("training:material_download", args=[material.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''%E5%90%88%E5%BD%B1.jpeg" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
