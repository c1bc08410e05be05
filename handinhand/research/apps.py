from django.apps import AppConfig


class ResearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.research"
    verbose_name = "党建研究课题"
