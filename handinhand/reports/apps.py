from django.apps import AppConfig

from handinhand.core.registry import due_items


class ReportsConfig(AppConfig):
    name = "handinhand.reports"
    label = "reports"
    verbose_name = "年度报告"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.reports.selectors import reports_due

        due_items.register("report_due", reports_due)

        from handinhand.reports import inbox

        inbox.register()
