from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "handinhand.training"
    label = "training"
    verbose_name = "业务培训"
