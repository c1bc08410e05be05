import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from handinhand.core.policy import get_policy


class CoreConfig(AppConfig):
    name = "handinhand.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Validate the policy at start-up: a broken policy must stop the app, not a page later.
        get_policy()
        from handinhand.core import checks  # noqa: F401  (deploy checks)
        from handinhand.core.reminders import daily_digest
        from handinhand.core.schedule import register_schedule

        register_schedule(
            name="core.reminder_digest",
            at=dt.time(7, 0),
            task=daily_digest,
            label=_("每日待办提醒"),
        )
