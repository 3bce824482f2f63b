"""Signals other apps listen to (the accounts app imports none of them)."""

from django.dispatch import Signal

# Sent inside erase_account's transaction, after the reader's own data is gone (``user=``):
# apps holding personal data tied to the account (e.g. a guardian's children) erase it too.
account_erased = Signal()
