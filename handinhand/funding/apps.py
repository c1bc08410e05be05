from django.apps import AppConfig


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.funding"
    verbose_name = "经费保障"

    def ready(self) -> None:
        # Its work for the inbox (待办); the module imports the models, loaded only by now.
        from handinhand.funding import inbox

        inbox.register()
