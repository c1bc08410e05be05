from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "handinhand.programme"
    label = "programme"
    verbose_name = "指导工作体系"
