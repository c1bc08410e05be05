from django.apps import AppConfig

from handinhand.core.registry import group_figures


class IndicatorsConfig(AppConfig):
    name = "handinhand.indicators"
    label = "indicators"
    verbose_name = "指标与评估"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.indicators.selectors import evaluation_counts

        group_figures.register("evaluation_counts", evaluation_counts)

        from handinhand.indicators import inbox

        inbox.register()

        from handinhand.indicators.selectors import school_report_links
        from handinhand.orgs.hooks import school_links

        school_links.register("indicators.report_card", school_report_links)
