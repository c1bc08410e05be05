from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "handinhand.indicators"
    label = "indicators"
    verbose_name = "指标与评估"
