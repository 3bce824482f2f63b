"""Domain errors raised by services and rendered by every front end (UI, API, CLI).

Each error names the field it concerns and the reason, so people can fix their input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason, "code": self.code}


class ServiceError(Exception):
    """Base class: a service refused to act. ``status`` is the matching HTTP status."""

    status = 400

    def __init__(self, message: str, errors: list[FieldError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []

    def as_dict(self) -> dict:
        return {"detail": self.message, "errors": [e.as_dict() for e in self.errors]}

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        parts = "; ".join(f"{e.field}: {e.reason}" for e in self.errors)
        return f"{self.message} ({parts})"


class ValidationFailed(ServiceError):
    """Input is malformed or inconsistent; nothing was stored."""

    status = 400

    @classmethod
    def single(cls, field: str, reason: str, code: str = "invalid") -> ValidationFailed:
        return cls(reason, [FieldError(field, reason, code)])


class Conflict(ServiceError):
    """Input clashes with what is already stored (duplicate, overlap, wrong state)."""

    status = 409

    @classmethod
    def single(cls, field: str, reason: str, code: str = "conflict") -> Conflict:
        return cls(reason, [FieldError(field, reason, code)])


class PermissionDenied(ServiceError):
    """The actor may not do this; the message says why."""

    status = 403


class NotFound(ServiceError):
    """The thing asked for does not exist (or is invisible to the actor)."""

    status = 404
