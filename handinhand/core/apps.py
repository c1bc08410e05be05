from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "handinhand.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Validate the policy at start-up: a broken policy must stop the app, not a page later.
        from handinhand.core.policy import get_policy

        get_policy()
        from handinhand.core import checks, signals  # noqa: F401  (deploy checks, login audit)
