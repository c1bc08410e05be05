from django.apps import AppConfig


class SeedConfig(AppConfig):
    name = "handinhand.seed"
    label = "seed"
    verbose_name = "合成数据"

    def ready(self) -> None:
        # Each module registers its step with `@step(order=...)` when imported; importing them
        # here, once, is what puts them in the registry (the order is their own, not this list's).
        from handinhand.seed import (  # noqa: F401
            appointments,
            cockpit,
            funding,
            guidance,
            incentives,
            indicators,
            meetings,
            notices,
            reports,
            research,
            selection,
            training,
        )
