"""Accounts: one user model for readers and staff, staff roles scoped to a library subtree."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person: a reader, a librarian, or both. ``home_library`` is where they registered."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    home_library = models.ForeignKey(
        "network.Library", null=True, blank=True, on_delete=models.SET_NULL, related_name="readers"
    )

    def __str__(self) -> str:
        return self.display_name or self.username


class StaffRole(models.Model):
    """A staff role over a library and everything below it (数据分层管理).

    The tier (library / city / province / national) follows from the library's level.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        LIBRARIAN = "librarian", _("librarian")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    library = models.ForeignKey(
        "network.Library", on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ADMIN)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "library", "role"], name="unique_staff_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.library_id}"


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
