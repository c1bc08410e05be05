from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "handinhand.guidance"
    label = "guidance"
    verbose_name = "指导活动"
