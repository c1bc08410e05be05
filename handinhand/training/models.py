"""业务培训 (R5): training sessions, their materials and who attended for how many hours.

Scope (DESIGN §2, decided here): a session is seen by the province admin; by its organiser;
by the members of the guidance group it belongs to; by whoever attended it; and by a city or
county bureau when any attendee is a current member of a guidance group of that bureau's
region (the bureau follows its own groups' training). Attendance rows follow their session,
except that a plain attendee sees only their own row. Yearly hours per person (the hours
page): the province admin follows everyone; a leader (or deputy) the members of their group; a
bureau the members of its region's groups; everybody follows themselves.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import TimeStampedModel, VersionedModel
from handinhand.core.scope import get_scope
from handinhand.programme.models import GuidanceGroup, Membership

# One session lasts at most a day: more than 24 hours is a typing error, not a training.
MAX_SESSION_HOURS = Decimal("24")
HOURS_VALIDATORS = [
    MinValueValidator(Decimal("0.1"), message=_("学时须大于 0")),
    MaxValueValidator(MAX_SESSION_HOURS, message=_("单次培训学时不能超过 24")),
]


if TYPE_CHECKING:
    from handinhand.accounts.models import User


class TrainingSessionQuerySet(models.QuerySet["TrainingSession"]):
    def overseen_by(self, user: User) -> TrainingSessionQuerySet:
        """Sessions whose whole attendance the user may see (not merely their own row)."""
        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        query = Q(organiser=user) | Q(group_id__in=scope.group_ids)
        if scope.staff_paths:
            members = (
                Membership.objects.current()
                .filter(scope.staff_q("group__region__path"))
                .values("user_id")
            )
            query |= Q(pk__in=Attendance.objects.filter(user_id__in=members).values("session_id"))
        return self.filter(query)

    def visible_to(self, user: User) -> TrainingSessionQuerySet:
        if get_scope(user).everything:
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        overseen = TrainingSession.objects.overseen_by(user).values("pk")
        attended = Attendance.objects.filter(user=user).values("session_id")
        return self.filter(Q(pk__in=overseen) | Q(pk__in=attended))


class TrainingSession(VersionedModel):
    topic = models.CharField(_("培训主题"), max_length=200)
    date = models.DateField(_("培训日期"), db_index=True)
    hours = models.DecimalField(
        _("学时"), max_digits=4, decimal_places=1, validators=HOURS_VALIDATORS
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        on_delete=models.PROTECT,
        related_name="organised_trainings",
    )
    group = models.ForeignKey(
        GuidanceGroup,
        verbose_name=_("所属指导组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        help_text=_("指导组自行组织的培训；全省统一培训留空"),
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    description = models.TextField(_("内容简介"), blank=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="training_hours_in_range",
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_SESSION_HOURS),
                violation_error_message=_("学时须大于 0 且不超过 24"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("training:session_detail", args=[self.pk])


class AttendanceQuerySet(models.QuerySet["Attendance"]):
    def visible_to(self, user: User) -> AttendanceQuerySet:
        overseen = TrainingSession.objects.overseen_by(user).values("pk")
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(session_id__in=overseen) | Q(user=user))


class Attendance(TimeStampedModel):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("培训"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参训人员"),
        on_delete=models.PROTECT,
        related_name="training_attendances",
    )
    hours = models.DecimalField(
        _("认定学时"), max_digits=4, decimal_places=1, validators=HOURS_VALIDATORS
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["session_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                name="attendance_once_per_session",
                violation_error_message=_("该人员已在本次培训的参训名单中"),
            ),
            models.CheckConstraint(
                name="attendance_hours_positive",
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_SESSION_HOURS),
                violation_error_message=_("认定学时须大于 0 且不超过 24"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.user}"

    def clean(self) -> None:
        if self.session_id and self.hours is not None and self.hours > self.session.hours:
            raise ValidationError(
                {"hours": _("认定学时不能超过本次培训的学时（%(h)s）") % {"h": self.session.hours}}
            )


def material_path(instance: TrainingMaterial, filename: str) -> str:
    return f"training/{instance.session_id}/{filename}"


class TrainingMaterial(TimeStampedModel):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("培训"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    file = models.FileField(_("文件"), upload_to=material_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=200)
    # The kind read from the file's bytes (core/uploads.py); it decides how it is served.
    kind = models.CharField(_("类型"), max_length=10, default="")
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("培训资料")
        verbose_name_plural = _("培训资料")
        ordering = ["session_id", "name"]

    def __str__(self) -> str:
        return self.name
