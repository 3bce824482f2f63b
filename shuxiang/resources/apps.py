"""App configuration for digital resources and cloud publishing."""

from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "shuxiang.resources"
    label = "resources"
    verbose_name = "Digital resources"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shuxiang.resources.models import Resource, ResourceFile

        for model in (Resource, ResourceFile):
            name = model.__name__
            post_save.connect(public_change, sender=model, dispatch_uid=f"pages-save-{name}")
            post_delete.connect(public_change, sender=model, dispatch_uid=f"pages-delete-{name}")

        from shuxiang.core import jobs
        from shuxiang.resources import catalog_sync, pid, tasks

        jobs.register(pid.REGISTER, "shuxiang.resources.pid.register_job", max_attempts=8)
        jobs.register(pid.WITHDRAW, "shuxiang.resources.pid.withdraw_job", max_attempts=8)
        jobs.register(catalog_sync.SYNC, "shuxiang.resources.catalog_sync.sync_job")
        jobs.register(tasks.MAKE, "shuxiang.resources.tasks.make_derivative", max_attempts=3)


def public_change(sender, instance, **_signal) -> None:
    """A published (or just withdrawn) resource or one of its files changed: cached public
    pages are stale once the change commits. Drafts show on no public page."""
    from shuxiang.core import pagecache

    resource = getattr(instance, "resource", instance)
    if resource.status in ("published", "withdrawn"):
        pagecache.changed()
