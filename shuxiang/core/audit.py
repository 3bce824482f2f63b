"""Writing audit events from services."""

from __future__ import annotations

from typing import Any

from django.db import models

from shuxiang.core.actors import actor_label, is_system
from shuxiang.core.models import AuditEvent


def record(actor: object, action: str, target: models.Model, **data: Any) -> AuditEvent:
    """Append an audit row for ``action`` by ``actor`` on ``target`` (inside the caller's txn)."""
    user = None if is_system(actor) or not getattr(actor, "pk", None) else actor
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label(actor),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
