"""Indicator frameworks (指标体系) and their three-level indicators (DESIGN §3, R6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import VersionedModel


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class FrameworkQuerySet(models.QuerySet["Framework"]):
    def visible_to(self, user: Any) -> FrameworkQuerySet:
        from handinhand.core.scope import get_scope

        # The indicator system is the programme's common yardstick: every business user reads
        # it; the separated administrators do not.
        return self if get_scope(user).is_business else self.none()

    def published(self) -> FrameworkQuerySet:
        return self.filter(status=FrameworkStatus.PUBLISHED)


class Framework(VersionedModel):
    name = models.CharField(_("体系名称"), max_length=100)
    edition = models.CharField(_("版本"), max_length=40, help_text=_("例如：2025版"))
    status = models.CharField(
        _("状态"), max_length=10, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT
    )
    is_sample = models.BooleanField(
        _("示例"), default=False, help_text=_("示例体系仅供演示，非官方正式文本")
    )
    total_score = models.DecimalField(
        _("总分"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    description = models.TextField(_("说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "edition"], name="framework_name_edition"),
        ]

    def __str__(self) -> str:
        label = f"{self.name}（{self.edition}）"
        return f"{label}【示例】" if self.is_sample else label

    def get_absolute_url(self) -> str:
        return reverse("indicators:framework_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == FrameworkStatus.DRAFT


class Indicator(VersionedModel):
    framework = models.ForeignKey(
        Framework, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("编码"), max_length=20)
    level = models.PositiveSmallIntegerField(
        _("级别"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    title = models.CharField(_("指标名称"), max_length=200)
    max_score = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("仅三级指标设分值"),
    )
    guidance = models.TextField(_("评分要点"), blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["framework", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=3), name="indicator_level_1_3"
            ),
        ]
        indexes = [models.Index(fields=["framework", "level"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
