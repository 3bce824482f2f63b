"""App configuration for reading-promotion campaigns (推广活动)."""

from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "shuxiang.activities"
    label = "activities"
    verbose_name = "Shuxiang reading-promotion campaigns"

    def ready(self) -> None:
        from shuxiang.accounts.signals import account_erased
        from shuxiang.resources.uploads import register_purpose

        account_erased.connect(_erase_children, dispatch_uid="activities.erase_children")
        register_purpose(
            "activities.recording",
            "shuxiang.activities.recordings.check_upload",
            "shuxiang.activities.recordings.finish_upload",
        )


def _erase_children(sender, user, **kwargs) -> None:
    from shuxiang.activities.services import erase_children_of

    erase_children_of(user)
