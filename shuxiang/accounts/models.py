"""Accounts: one user model for readers and staff, staff roles scoped to a library subtree.

Personal data (real name, resident ID number, mobile number) is stored only encrypted
(``*_enc``, see :mod:`shuxiang.accounts.pii`) with a keyed hash (``*_hash``) for look-ups.
"""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from shuxiang.accounts import pii
from shuxiang.network.scopes import Role


class User(AbstractUser):
    """A person: a reader, a librarian, or both. ``home_library`` is where they registered."""

    class RealName(models.TextChoices):
        NONE = "", _("not verified")
        ID_CHECKSUM = "id_checksum", _("resident ID number checked (GB 11643-1999)")
        IN_PERSON = "in_person", _("checked in person at a library")
        UPSTREAM = "upstream", _("vouched for by the library's own system")

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    home_library = models.ForeignKey(
        "network.Library", null=True, blank=True, on_delete=models.SET_NULL, related_name="readers"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mobile_enc = models.TextField(blank=True)
    mobile_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    real_name_enc = models.TextField(blank=True)
    id_number_enc = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    real_name_method = models.CharField(
        _("real-name verification"), max_length=16, choices=RealName.choices, blank=True
    )
    real_name_verified_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_real_name(self) -> bool:
        return bool(self.real_name_method)


class StaffRole(models.Model):
    """A staff role over a library and everything below it (数据分层管理).

    The tier (library / city / province / national) follows from the library's level.
    """

    Role = Role  # the network app's role constants (shuxiang.network.scopes.Role)

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
    """A bearer token for the JSON API; only its SHA-256 digest is stored.

    A token ends at ``expires_at``, when revoked (the row is deleted), and when its owner's
    credentials change: ``credentials`` holds the owner's session-auth hash at issue time
    (Django's marker of the password), and enrolling a second factor deletes the tokens.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    credentials = models.CharField(max_length=128, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class ReaderCard(models.Model):
    """A reader card (读者卡) issued by a library; a reader may hold several.

    The number is personal data: stored encrypted (``number_enc``) with a keyed hash of its
    normal form (``number_hash``, see :func:`shuxiang.accounts.person_ids.card_number`) that is
    unique per library. ``number`` reads and writes the clear value.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reader_cards")
    library = models.ForeignKey(
        "network.Library", on_delete=models.CASCADE, related_name="reader_cards"
    )
    number_enc = models.TextField(_("card number (encrypted)"), blank=True)
    number_hash = models.CharField(max_length=64, db_index=True)
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "number_hash"], name="unique_card_hash_per_library"
            )
        ]

    def __str__(self) -> str:
        return f"{self.library_id}:{pii.mask_card(self.number)}"

    @property
    def number(self) -> str:
        return pii.decrypt(self.number_enc)

    @number.setter
    def number(self, value: str) -> None:
        self.number_enc = pii.encrypt(value)
        self.number_hash = pii.lookup_hash(value) or ""


class PersonalDataGrant(models.Model):
    """Explicit permission for a staff member to see readers' personal data in a subtree.

    Needed by national-center staff, whose roles otherwise show aggregates only.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_data_grants")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} may see personal data under {self.library_id}"


class IdentitySource(models.Model):
    """An upstream system holding a library's readers (LDAP, SIP2, OIDC...).

    ``kind`` names an entry of ``settings.IDENTITY_SOURCE_KINDS``; ``config`` is its settings.
    """

    library = models.ForeignKey(
        "network.Library", on_delete=models.CASCADE, related_name="identity_sources"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32)
    config = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["library", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class ExternalIdentity(models.Model):
    """A reader linked to their account in an upstream identity source."""

    source = models.ForeignKey(IdentitySource, on_delete=models.CASCADE, related_name="links")
    external_id = models.CharField(max_length=200)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    linked_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="unique_external_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id}"


class ClientRegistration(models.Model):
    """An OIDC client system (ILS, vendor platform) registered by staff for their library."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="registration",
    )
    library = models.ForeignKey(
        "network.Library", on_delete=models.CASCADE, related_name="client_registrations"
    )
    registered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    # Signing readers in without a consent page (django-oauth-toolkit's skip_authorization)
    # takes a national or provincial center's approval; a library's own request waits here.
    skip_consent_requested = models.BooleanField(default=False)
    skip_consent_approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skip_consent_approved_at = models.DateTimeField(null=True, blank=True)
    # OpenID Connect Back-Channel Logout 1.0: where logout tokens are posted (blank: none).
    backchannel_logout_uri = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.application} for {self.library_id}"

    @property
    def skip_consent_pending(self) -> bool:
        return self.skip_consent_requested and not self.application.skip_authorization


class CardTokenUse(models.Model):
    """A virtual-card QR token already accepted once; a second use is a replay."""

    token_id = models.CharField(max_length=40, unique=True)
    used_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.token_id


class StaffTotp(models.Model):
    """A staff member's TOTP second factor (RFC 6238); the shared secret is encrypted."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret_enc = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP of {self.user}"


class LoginFailure(models.Model):
    """Failed logins counted under one key (account, account and source, or source).

    The embedded default's lockout store (:class:`shuxiang.accounts.lockouts.DatabaseStore`):
    it survives restarts and is shared by every worker. Server mode keeps these in Redis.
    """

    key = models.CharField(max_length=160, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class ProviderSession(models.Model):
    """A browser session at this node's OIDC provider, named by the ``sid`` claim.

    OpenID Connect Back-Channel Logout 1.0 §2.1: the ID tokens issued in one session carry
    its ``sid``; when it ends, the client systems that received them are told (logout tokens).
    """

    sid = models.CharField(max_length=64, unique=True)
    session_key = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="provider_sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.sid} ({self.user_id})"


class ProviderSessionClient(models.Model):
    """A client system that received a code in a provider session (to be told of its end)."""

    session = models.ForeignKey(ProviderSession, on_delete=models.CASCADE, related_name="clients")
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_code = models.CharField(max_length=255, db_index=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "application"], name="unique_provider_session_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} → {self.application_id}"


class Message(models.Model):
    """One message in a reader's in-site inbox (站内信), from any subsystem of the node.

    ``source`` names the sender (``courses``, ``activities`` …) so that each subsystem can show
    its own messages in place while the reader keeps one inbox.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="inbox_messages")
    source = models.CharField(max_length=32)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="inbox_by_recipient"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="inbox_unread_by_recipient",
            ),
        ]

    def __str__(self) -> str:
        return self.title
