"""App configuration of the reader portal."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "shuxiang.portal"
    label = "portal"
    verbose_name = _("Reader portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shuxiang.core.pagecache import changed
        from shuxiang.network.models import Domain, Library
        from shuxiang.portal.sites import forget_sites

        for model in (Library, Domain):
            name = model.__name__
            post_save.connect(forget_sites, sender=model, dispatch_uid=f"portal-save-{name}")
            post_delete.connect(forget_sites, sender=model, dispatch_uid=f"portal-delete-{name}")
            # branding, status, names and domains show on every public page
            post_save.connect(changed, sender=model, dispatch_uid=f"pages-save-{name}")
            post_delete.connect(changed, sender=model, dispatch_uid=f"pages-delete-{name}")
