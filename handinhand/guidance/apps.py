from django.apps import AppConfig

from handinhand.core.registry import group_figures


class GuidanceConfig(AppConfig):
    name = "handinhand.guidance"
    label = "guidance"
    verbose_name = "指导活动"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.guidance.selectors import visit_counts

        group_figures.register("visit_counts", visit_counts)

        from handinhand.guidance import inbox

        inbox.register()
