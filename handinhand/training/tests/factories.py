"""Training objects built on the shared cast (handinhand/conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from handinhand.training.models import Attendance, TrainingMaterial, TrainingSession


def ncu_session(cast: Any, *, hours: str = "4", day: dt.date | None = None) -> TrainingSession:
    """A session of the 南昌大学 group organised by its leader, attended by its instructor."""
    session, created = TrainingSession.objects.get_or_create(
        topic="党建指导业务培训",
        group=cast.groups["ncu"],
        defaults={
            "date": day or dt.date(2025, 5, 10),
            "hours": Decimal(hours),
            "organiser": cast.leader,
        },
    )
    if created:
        Attendance.objects.create(session=session, user=cast.instructor, hours=session.hours)
    return session


def ncu_attendance(cast: Any) -> Attendance:
    return ncu_session(cast).attendances.get(user=cast.instructor)


def ncu_material(cast: Any) -> TrainingMaterial:
    session = ncu_session(cast)
    material = session.materials.first()
    if material is None:
        material = TrainingMaterial(
            session=session, name="课件.pdf", size=9, uploaded_by=cast.leader
        )
        material.file.save("课件.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        material.save()
    return material
