"""App configuration for federation."""

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "shuxiang.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self) -> None:
        _ready_sso()


def _ready_sso() -> None:
    """One identity across nodes: single logout listens to the sessions ending here."""
    from django.contrib.auth.signals import user_logged_out

    from shuxiang.accounts.oidc_sessions import session_ended
    from shuxiang.core import jobs
    from shuxiang.federation import sso_logout

    user_logged_out.connect(sso_logout.on_logged_out, dispatch_uid="federation.sso_logout")
    session_ended.connect(sso_logout.on_provider_session_ended, dispatch_uid="federation.sso_end")
    jobs.register(
        "federation.sso_parent_logout", "shuxiang.federation.sso_logout.tell_parent", max_attempts=6
    )
