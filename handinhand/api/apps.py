from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "handinhand.api"
    label = "api"
    verbose_name = "接口"
