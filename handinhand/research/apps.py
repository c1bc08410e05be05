from django.apps import AppConfig


class ResearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.research"
    verbose_name = "党建研究课题"

    def ready(self) -> None:
        # Its work for the inbox (待办); the module imports the models, loaded only by now.
        from handinhand.research import inbox

        inbox.register()
