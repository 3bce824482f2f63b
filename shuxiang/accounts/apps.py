"""App configuration for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shuxiang.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from shuxiang.accounts import checks  # noqa: F401  (registers the system checks)
