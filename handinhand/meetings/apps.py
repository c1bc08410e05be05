from django.apps import AppConfig

from handinhand.core.registry import group_figures


class MeetingsConfig(AppConfig):
    name = "handinhand.meetings"
    label = "meetings"
    verbose_name = "工作机制"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.meetings.selectors import meeting_counts

        group_figures.register("meeting_counts", meeting_counts)

        from handinhand.meetings import inbox

        inbox.register()
