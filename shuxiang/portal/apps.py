"""App configuration of the reader portal."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "shuxiang.portal"
    label = "portal"
    verbose_name = _("Reader portal")
    default_auto_field = "django.db.models.BigAutoField"
