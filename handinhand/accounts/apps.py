from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "handinhand.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        # Receivers import the models, which Django loads only after apps.py is imported.
        from handinhand.accounts import signals  # noqa: F401  (login auditing, session bookkeeping)

        from handinhand.accounts import inbox

        inbox.register()
