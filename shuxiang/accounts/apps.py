"""App configuration for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shuxiang.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.core.signals import setting_changed

        from shuxiang.accounts import checks  # noqa: F401  (registers the system checks)
        from shuxiang.accounts.oidc_sessions import on_logged_out
        from shuxiang.core import jobs
        from shuxiang.core.http import base_url_changed

        user_logged_out.connect(on_logged_out, dispatch_uid="accounts.provider_sessions")
        jobs.register(
            "accounts.backchannel_logout",
            "shuxiang.accounts.oidc_sessions.deliver_logout",
            max_attempts=6,
        )

        base_url_changed.connect(_issuer_follows, dispatch_uid="accounts.issuer")
        setting_changed.connect(_issuer_follows_setting, dispatch_uid="accounts.issuer.setting")


def _issuer_follows(sender, url: str, **kwargs) -> None:
    from shuxiang.accounts.oidc import follow_base_url

    follow_base_url(url)


def _issuer_follows_setting(sender, setting: str, **kwargs) -> None:
    """Tests that change ``settings.BASE_URL`` move the issuer with it."""
    if setting == "BASE_URL":
        from shuxiang.accounts.oidc import follow_base_url
        from shuxiang.core.http import base_url

        follow_base_url(base_url())
