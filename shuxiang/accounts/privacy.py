"""A reader's rights over their data (Public Library Law art. 43): download and delete."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.accounts.models import ExternalIdentity, Message, ReaderCard, User
from shuxiang.accounts.signals import account_erased
from shuxiang.accounts.staff import unmasked
from shuxiang.core import audit
from shuxiang.core.errors import FieldError, PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent


def _require_self(user: User, by) -> None:
    if getattr(by, "pk", None) != user.pk:
        raise PermissionDenied(_("Only the reader themself can do this."))


def _accesses(user: User) -> list[dict]:
    events = AuditEvent.objects.filter(
        target_type=user._meta.label_lower, target_id=str(user.pk)
    ).order_by("at")
    return [{"at": e.at.isoformat(), "by": e.actor_label, "action": e.action} for e in events]


@transaction.atomic
def export_data(user: User, *, by) -> dict:
    """Everything the node holds about ``user``, in clear, as JSON-ready data."""
    _require_self(user, by)
    audit.record(by, "accounts.export_own_data", user)
    data = unmasked(user)
    data["external_identities"] = [
        {"source": link.source.name, "library": link.source.library.code}
        for link in ExternalIdentity.objects.filter(user=user).select_related("source__library")
    ]
    data["authorized_clients"] = sorted(
        {token.application.name for token in user.oauth2_provider_accesstoken.all()}
    )
    data["messages"] = [
        {"at": m.created_at.isoformat(), "source": m.source, "title": m.title, "body": m.body}
        for m in Message.objects.filter(recipient=user)
    ]
    data["audit_trail"] = _accesses(user)
    return data


def _revoke_sso(user: User) -> None:
    user.oauth2_provider_accesstoken.all().delete()
    user.oauth2_provider_refreshtoken.all().delete()
    user.oauth2_provider_grant.all().delete()
    user.oauth2_provider_idtoken.all().delete()


@transaction.atomic
def erase_account(user: User, password: str, *, by) -> None:
    """Delete the reader's personal data; the account row stays, anonymous, for statistics."""
    _require_self(user, by)
    if not user.has_usable_password() or not user.check_password(password or ""):
        reason = _("Confirm with your current password.")
        raise ValidationFailed(reason, [FieldError("password", reason, "credentials")])
    ReaderCard.objects.filter(user=user).delete()
    ExternalIdentity.objects.filter(user=user).delete()
    Message.objects.filter(recipient=user).delete()
    user.api_tokens.all().delete()
    _revoke_sso(user)
    user.username = f"erased-{user.pk}"
    user.display_name = user.first_name = user.last_name = user.email = ""
    user.mobile_enc = user.real_name_enc = user.id_number_enc = ""
    user.mobile_hash = user.id_number_hash = None
    user.is_active = False
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
    account_erased.send(sender=User, user=user)
    audit.record(by, "accounts.erase_own_data", user)
