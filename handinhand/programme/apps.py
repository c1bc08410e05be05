from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "handinhand.programme"
    label = "programme"
    verbose_name = "指导工作体系"

    def ready(self) -> None:
        # Imported here, not at module top: models may not be imported before the registry is
        # ready, and these registrations are what put programme's data under core and orgs.
        from handinhand.programme import inbox, registrations

        registrations.register()
        # Its work for the inbox (待办): open selection rounds, batches late to start.
        inbox.register()
