"""App configuration for federation between nodes (互联互通)."""

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "shuxiang.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self) -> None:
        from shuxiang.core import jobs
        from shuxiang.federation import sync

        jobs.register(sync.SYNC_JOB, "shuxiang.federation.sync.run_job", max_attempts=3)
        jobs.register(
            "federation.notify_decision", "shuxiang.federation.joining.notify_decision",
            max_attempts=8,
        )  # fmt: skip
        from shuxiang.federation import peer_trust, pid_setup

        peer_trust.connect()  # a node's status or keys changed: cached peer keys are stale

        pid_setup.install()  # identifiers along the tree (fed-ids)
        _ready_sso()


def _ready_sso() -> None:
    """One identity across nodes: single logout listens to the sessions ending here."""
    from django.contrib.auth.signals import user_logged_out

    from shuxiang.accounts.oidc_sessions import session_ended
    from shuxiang.core import jobs
    from shuxiang.federation import sso_logout, sync

    sync.STEP_MODULES.append("shuxiang.federation.sso")  # the "sso" step (toward the parent)
    sync.STEP_MODULES.append("shuxiang.federation.relay")  # "libraries" (toward the parent)
    jobs.register(
        "federation.relay_libraries", "shuxiang.federation.relay.relay_job", max_attempts=8
    )

    user_logged_out.connect(sso_logout.on_logged_out, dispatch_uid="federation.sso_logout")
    session_ended.connect(sso_logout.on_provider_session_ended, dispatch_uid="federation.sso_end")
    jobs.register(
        "federation.sso_parent_logout", "shuxiang.federation.sso_logout.tell_parent", max_attempts=6
    )
