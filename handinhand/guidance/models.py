"""Guidance work (指导活动): visits of a guidance group to schools, and their attachments.

A visit is visible to whoever sees one of its schools (School.objects.visible_to), so the
scope rule of schools decides, once, who sees what happened there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import VersionedModel
from handinhand.orgs.models import School
from handinhand.programme.models import GuidanceGroup, Membership


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    HELD = "held", _("已开展")
    CANCELLED = "cancelled", _("已取消")


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, user: Any) -> VisitQuerySet:
        schools = School.objects.visible_to(user)
        return self.filter(pk__in=VisitSchool.objects.filter(school__in=schools).values("visit_id"))


class Visit(VersionedModel):
    """指导活动: one visit of a guidance group to one or more schools."""

    group = models.ForeignKey(
        GuidanceGroup, verbose_name=_("指导组"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("活动日期"), db_index=True)
    duration_hours = models.DecimalField(
        _("时长（小时）"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))],
    )
    form = models.CharField(_("活动形式"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    title = models.CharField(_("活动主题"), max_length=100)
    content = models.TextField(_("活动内容"), blank=True)
    # Level-3 indicator codes or names; a free list until the indicator framework exists.
    indicators = models.JSONField(_("涉及指标"), default=list, blank=True)
    schools = models.ManyToManyField(
        School, verbose_name=_("指导学校"), through="VisitSchool", related_name="visits"
    )
    instructors = models.ManyToManyField(
        Membership, verbose_name=_("参加指导员"), related_name="visits", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("指导活动")
        verbose_name_plural = _("指导活动")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["group", "date"]), models.Index(fields=["status", "date"])]
        constraints = [
            models.CheckConstraint(
                name="visit_duration_positive",
                condition=Q(duration_hours__gt=0) & Q(duration_hours__lte=24),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("guidance:visit_detail", args=[self.pk])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from handinhand.core.policy import get_policy

        if self.form and self.form not in get_policy().guidance.visit_forms:
            raise ValidationError({"form": _("活动形式须为政策规定的形式之一")})
        if not isinstance(self.indicators, list) or not all(
            isinstance(i, str) for i in self.indicators
        ):
            raise ValidationError({"indicators": _("涉及指标须为文本列表")})


class VisitSchool(models.Model):
    """A school visited in a visit; its own row so that coverage counts are one GROUP BY."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_schools")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="visit_links")

    class Meta:
        verbose_name = _("指导学校")
        verbose_name_plural = _("指导学校")
        constraints = [
            models.UniqueConstraint(fields=["visit", "school"], name="visit_school_unique")
        ]
        indexes = [models.Index(fields=["school", "visit"])]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.school_id}"


class VisitAttachment(models.Model):
    """A photo or file of a visit record; its type was checked by its first bytes."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="guidance/visits/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动附件")
        verbose_name_plural = _("活动附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.kind in ("jpg", "png", "gif")
