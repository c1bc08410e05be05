from django.apps import AppConfig

from handinhand.core.registry import group_figures


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.funding"
    verbose_name = "经费保障"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.funding.selectors import group_funding_figures

        group_figures.register("funding", group_funding_figures)

        # Its work for the inbox (待办); the module imports the models, loaded only by now.
        from handinhand.funding import inbox

        inbox.register()
