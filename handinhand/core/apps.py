from django.apps import AppConfig

from handinhand.core.policy import get_policy


class CoreConfig(AppConfig):
    name = "handinhand.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Validate the policy at start-up: a broken policy must stop the app, not a page later.
        get_policy()
        from handinhand.core import checks  # noqa: F401  (deploy checks)
