from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _nightly_cockpit(day: dt.date) -> dict[str, Any]:
    """The cockpit's pre-aggregates of this year, and of last year in January (when the
    January reports and last year's confirmations still change its figures)."""
    from handinhand.dashboard.cockpit import cockpit_refresh

    rows = {str(day.year): cockpit_refresh(year=day.year, today=day)}
    if day.month == 1:
        rows[str(day.year - 1)] = cockpit_refresh(year=day.year - 1, today=day)
    return {"rows": rows}


class DashboardConfig(AppConfig):
    name = "handinhand.dashboard"
    label = "dashboard"
    verbose_name = "工作台"

    def ready(self) -> None:
        # Registered here, where the cockpit lives; the scheduler runs it once a night.
        from handinhand.core.schedule import register_schedule

        register_schedule(
            name="dashboard.cockpit",
            at=dt.time(2, 0),
            task=_nightly_cockpit,
            label=_("驾驶舱数据汇总"),
        )
