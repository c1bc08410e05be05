from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.appointments"
    verbose_name = "遴选与聘任"

    def ready(self) -> None:
        # Its work for the inbox (待办); the module imports the models, loaded only by now.
        from handinhand.appointments import inbox

        inbox.register()
