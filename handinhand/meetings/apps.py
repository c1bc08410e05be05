import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from handinhand.core.registry import group_figures, timeline_events
from handinhand.core.schedule import register_schedule


class MeetingsConfig(AppConfig):
    name = "handinhand.meetings"
    label = "meetings"
    verbose_name = "工作机制"

    def ready(self) -> None:
        # Selectors import the models, which Django loads only after apps.py is imported.
        from handinhand.meetings import inbox
        from handinhand.meetings.reminders import todos_daily
        from handinhand.meetings.selectors import meeting_counts, milestones

        group_figures.register("meeting_counts", meeting_counts)
        # The rollout timeline (programme) shows the milestone meetings without importing us.
        timeline_events.register("meetings", milestones)
        # Before the 07:00 digest, so that the day's new to-dos are in it.
        register_schedule(
            name="meetings.todos", at=dt.time(6, 30), task=todos_daily, label=_("逾期与到期待办")
        )
        inbox.register()
