from django.apps import AppConfig

from handinhand.core.registry import group_figures


class IncentivesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.incentives"
    verbose_name = "考核激励"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.incentives.selectors import assessment_counts

        # The provincial group's January report shows the year's assessment (R10 point 7).
        group_figures.register("assessment_counts", assessment_counts)

        # Its work for the inbox (待办); the module imports the models, loaded only by now.
        from handinhand.incentives import inbox

        inbox.register()
