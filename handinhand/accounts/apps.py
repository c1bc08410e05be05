from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "handinhand.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from handinhand.accounts import signals  # noqa: F401  (session bookkeeping at login)
