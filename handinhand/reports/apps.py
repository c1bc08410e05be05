import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from handinhand.core.registry import due_items
from handinhand.core.schedule import register_schedule


class ReportsConfig(AppConfig):
    name = "handinhand.reports"
    label = "reports"
    verbose_name = "年度报告"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.reports.selectors import reports_due
        from handinhand.reports.services import scheduled_drafts

        due_items.register("report_due", reports_due)
        # Daily, because the policy names the report month; it does nothing in other months.
        register_schedule(
            name="reports.annual_drafts",
            at=dt.time(3, 0),
            task=scheduled_drafts,
            label=_("年度报告草稿"),
        )

        from handinhand.reports import inbox

        inbox.register()
