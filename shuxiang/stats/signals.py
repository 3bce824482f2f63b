"""Logins and registrations become usage events, whichever way a reader came in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save

from shuxiang.stats.events import record
from shuxiang.stats.usage import record_request


def _on_login(sender, request, user, **kwargs) -> None:
    if request is not None:
        record_request("login", request, library=user.home_library)
    else:
        record("login", library=user.home_library or "", reader=user)


def _on_user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        record("registration", library=instance.home_library or "", reader=instance)


def connect() -> None:
    """Wire the receivers (called once from the app config)."""
    user_logged_in.connect(_on_login, dispatch_uid="stats-login")
    post_save.connect(_on_user_saved, sender=get_user_model(), dispatch_uid="stats-registration")
