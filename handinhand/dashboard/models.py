"""Pre-aggregates of the cockpit (驾驶舱): one row per region, year and figure set, written by
`cockpit.cockpit_refresh` and read by the cockpit page, which never touches base rows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FigureSet(models.TextChoices):
    COVERAGE = "coverage", _("覆盖")
    RESULTS = "results", _("评估结果")
    GUIDANCE = "guidance", _("指导活动")
    MECHANISMS = "mechanisms", _("长效机制")


class RegionFigures(models.Model):
    """Additive counters (sums and counts, never averages) so that a city is the sum of its
    counties and the province the sum of its cities."""

    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("行政区划"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    figure_set = models.CharField(_("指标组"), max_length=12, choices=FigureSet.choices)
    data = models.JSONField(_("数据"), default=dict)
    refreshed_at = models.DateTimeField(_("刷新时间"))

    class Meta:
        verbose_name = _("驾驶舱预汇总")
        verbose_name_plural = _("驾驶舱预汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "figure_set"], name="region_figures_unique"
            )
        ]
        indexes = [models.Index(fields=["year", "region"], name="region_figures_year")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.figure_set}"
