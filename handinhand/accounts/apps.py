from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "handinhand.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        # Receivers import the models, which Django loads only after apps.py is imported.
        from handinhand.accounts import inbox, signals  # noqa: F401  (signals: login auditing)

        inbox.register()
