from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.incentives"
    verbose_name = "考核激励"
