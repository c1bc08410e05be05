"""Indicator evidence is served by its checked kind."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handinhand.indicators.models import EvidenceFile
from handinhand.indicators.services import evaluation_leaves, evaluation_save_self

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_evidence_download_headers(cast, evaluation, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    leaf = evaluation_leaves(evaluation)[0]
    evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={},
        expected_version=1,
        files={leaf.pk: [SimpleUploadedFile("制度.pdf", PDF, "text/html")]},
    )
    item = EvidenceFile.objects.get()
    response = client_for(cast.school_user).get(
        reverse("indicators:evidence_download", args=[item.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E5%88%B6%E5%BA%A6.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
