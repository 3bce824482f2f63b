"""Shared models: the append-only audit log (审计日志) and after-commit jobs (后台作业)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D401 - refuse silently changing history
        raise PermissionError("audit events cannot be changed")

    def delete(self):
        raise PermissionError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One administrative or personal-data action: who, when, what, on which object."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=80, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted")


class Job(models.Model):
    """A side effect a service asked for in its transaction, run by a task after commit.

    The row is written inside the caller's transaction, so it exists exactly when the change
    that asked for it was committed; a task runs it, retrying with backoff. ``progress`` holds
    what a handler has already done, so a retry does not do it twice.
    """

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("job state", "pending")
        RUNNING = "running", pgettext_lazy("job state", "running")
        DONE = "done", pgettext_lazy("job state", "done")
        FAILED = "failed", pgettext_lazy("job state", "failed")

    kind = models.CharField(max_length=80, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    library_code = models.CharField(max_length=32, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    next_run_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)  # last handed to the task queue
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_run_at"], name="core_job_due")]
        verbose_name = _("background job")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.state}"

    @property
    def last_attempt(self) -> bool:
        """True while the attempt running now is the last one allowed."""
        return self.attempts >= self.max_attempts
