"""System checks of accounts (shown by ``shuxiang check``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from shuxiang.core import options


@checks.register(checks.Tags.security, deploy=False)
def pii_key_is_set(app_configs=None, **kwargs):
    """Server mode must not rely on the demo key derived from the secret key."""
    if settings.SERVER_MODE and not options.value("PII_KEY"):
        return [
            checks.Warning(
                "SHUXIANG_PII_KEY is not set: personal data is encrypted with a key derived "
                "from the secret key (fine for the embedded demo only).",
                hint="Set SHUXIANG_PII_KEY to a long random value and keep it out of backups.",
                id="accounts.W001",
            )
        ]
    return []
