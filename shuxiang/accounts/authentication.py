"""Django's authentication backend over the login service (:mod:`shuxiang.accounts.login`).

Only logins that need no second factor succeed here; staff with TOTP go through the login page.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from shuxiang.accounts import login
from shuxiang.core.errors import ServiceError
from shuxiang.core.http import client_ip
from shuxiang.core.prepared import Prepared

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

    def get_user(self, user_id):
        """The signed-in user of every request, read with a prepared query (the same row and
        rules as ``ModelBackend.get_user``)."""
        user = _USER_BY_ID.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _by_id(pk):
    from django.contrib.auth import get_user_model

    return get_user_model()._default_manager.filter(pk=pk)


_USER_BY_ID = Prepared(_by_id, -987_654_321)
