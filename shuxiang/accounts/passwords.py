"""The network's password rule (from the seeds): 6–12 characters, letters and digits."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError

ALLOWED = re.compile(r"^[A-Za-z0-9]+$")
MIN_LENGTH, MAX_LENGTH = 6, 12


def password_errors(password: str, field: str = "password") -> list[FieldError]:
    """Why ``password`` breaks the rule (empty list when it is acceptable)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        reason = _("A password has 6 to 12 characters (this one has %(n)d).") % {"n": len(password)}
        return [FieldError(field, reason, "password_length")]
    if not ALLOWED.match(password):
        reason = _("A password may contain only letters and digits.")
        return [FieldError(field, reason, "password_characters")]
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        reason = _("A password needs both letters and digits.")
        return [FieldError(field, reason, "password_weak")]
    return []


class LettersAndDigitsValidator:
    """Django password validator applying the same rule (for forms and createsuperuser)."""

    def validate(self, password, user=None):
        from django.core.exceptions import ValidationError

        errors = password_errors(password)
        if errors:
            raise ValidationError(errors[0].reason, code=errors[0].code)

    def get_help_text(self):
        return _("6 to 12 characters, letters and digits.")
