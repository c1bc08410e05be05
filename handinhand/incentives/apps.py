from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.incentives"
    verbose_name = "考核激励"

    def ready(self) -> None:
        # Its work for the inbox (待办); the module imports the models, loaded only by now.
        from handinhand.incentives import inbox

        inbox.register()
