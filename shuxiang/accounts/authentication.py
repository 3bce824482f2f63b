"""Django's authentication backend over the login service (:mod:`shuxiang.accounts.login`).

Only logins that need no second factor succeed here; staff with TOTP go through the login page.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from shuxiang.accounts import login
from shuxiang.core.errors import ServiceError
from shuxiang.core.http import client_ip

REMEMBER_ME_SECONDS = login.REMEMBER_ME_SECONDS


class IdentifierBackend(ModelBackend):
    """``django.contrib.auth.authenticate`` with any identifier a reader has."""

    def authenticate(self, request, username=None, password=None, library=None, **kwargs):
        try:
            step = login.first_step(
                username or "", password or "", library=library, source=client_ip(request)
            )
        except ServiceError:
            return None
        return None if step.needs_code else step.user
