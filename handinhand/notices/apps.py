from django.apps import AppConfig


class NoticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handinhand.notices"
    verbose_name = "通知公告"

    def ready(self) -> None:
        from handinhand.core.inbox import register_work
        from handinhand.notices.work import SOURCE_SPEC

        register_work(SOURCE_SPEC)
