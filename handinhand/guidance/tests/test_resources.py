"""Shared resources: a university's materials reach the schools of the regions its groups are
paired with, and nobody else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.guidance import services
from handinhand.guidance.models import Resource

PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _publish(cast, actor=None, university="ncu", data=PDF, name="读本.pdf"):
    return services.resource_publish(
        actor=actor or cast.leader,
        university=cast.universities[university],
        kind="theory",
        title="党建理论读本",
        upload=SimpleUploadedFile(name, data, "application/pdf"),
    )


def test_publish_is_audited(cast):
    resource = _publish(cast)
    event = AuditEvent.objects.get(object_type="guidance.resource", action=AuditAction.CREATE)
    assert event.object_id == str(resource.pk)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("school_user", True),  # 萍乡 school, paired with 南昌大学's group
        ("city_user", True),
        ("instructor", True),
        ("province_admin", True),
        ("instructor_ecjtu", False),  # another university, paired with 新余
        ("outsider", False),  # 南昌市: unpaired
        ("audit_admin", False),
    ],
)
def test_scope_of_resources(cast, who, sees):
    resource = _publish(cast)
    assert Resource.objects.visible_to(getattr(cast, who)).filter(pk=resource.pk).exists() is sees


def test_only_the_universitys_people_publish(cast):
    with pytest.raises(PermissionDeniedError):
        _publish(cast, actor=cast.instructor_ecjtu)
    with pytest.raises(PermissionDeniedError):
        _publish(cast, actor=cast.school_user)


def test_forbidden_file_type_is_refused(cast):
    with pytest.raises(ValidationError):
        _publish(cast, data=b"PK\x03\x04not-an-office-file", name="x.docx")
    assert not Resource.objects.exists()


def test_school_downloads_and_lists(cast, client_for, django_assert_max_num_queries):
    resource = _publish(cast)
    school = client_for(cast.school_user)
    with django_assert_max_num_queries(16):
        listing = school.get(reverse("guidance:resource_list")).content.decode()
    assert "党建理论读本" in listing
    response = school.get(reverse("guidance:resource_download", args=[resource.pk]))
    assert b"".join(response.streaming_content) == PDF
    ecjtu = client_for(cast.instructor_ecjtu)
    assert ecjtu.get(reverse("guidance:resource_download", args=[resource.pk])).status_code == 404
