"""Actors: who performs a service call (a person, or the system itself for tasks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class SystemActor:
    """The node acting on its own behalf (loaders, scheduled tasks, migrations)."""

    is_system = True
    is_authenticated = True
    is_superuser = True
    pk = None
    username = "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "<SystemActor>"


SYSTEM = SystemActor()

Actor = Union["AbstractBaseUser", SystemActor]


def is_system(actor: object) -> bool:
    """True when ``actor`` is the system actor."""
    return getattr(actor, "is_system", False) is True


def actor_label(actor: object) -> str:
    """A stable human label for audit rows."""
    if is_system(actor):
        return "system"
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonymous"
    return getattr(actor, "username", str(actor))
