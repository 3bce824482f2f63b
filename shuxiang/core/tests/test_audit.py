"""The audit log is append-only: rows cannot be changed or deleted through the ORM."""

from __future__ import annotations

import pytest

from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM
from shuxiang.core.models import AuditEvent
from shuxiang.network.models import Division


@pytest.fixture
def event(db):
    return audit.record(SYSTEM, "test.action", Division.objects.get(code="330600"), note="x")


def test_audit_row_names_actor_action_and_target(event):
    assert (event.actor_label, event.action, event.target_type, event.target_id) == (
        "system",
        "test.action",
        "network.division",
        "330600",
    )


def test_audit_rows_cannot_be_edited(event):
    event.action = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="rewritten")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.action"


def test_audit_rows_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
