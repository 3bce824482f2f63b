"""Keeping the store current (实时同步): saves are noted, and refreshed after the commit.

A save or delete of a described model adds (model, pk) to the transaction's batch; at commit the
batch goes to the task queue as one ``refresh`` task, which rewrites the touched documents. Bulk
writes that send no signals (harvests) are caught by the scheduled rebuild with the dumps. Until
the store is first built there is nothing to keep current, so nothing is queued.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from shuxiang.linkeddata import describers, store

_pending = threading.local()


def _noted(sender, instance, **kwargs) -> None:
    label = sender._meta.label
    if not describers.for_model(label) or not store.exists():
        return
    batch = getattr(_pending, "batch", None)
    if batch is None:
        batch = _pending.batch = set()
    batch.add((label, instance.pk))
    # The first callback to run takes the whole batch; the others find it empty. A rolled-back
    # change stays in the batch and is refreshed at the next commit (documents are recomputed).
    transaction.on_commit(_flush)


def _flush() -> None:
    batch = getattr(_pending, "batch", None) or set()
    _pending.batch = None
    if batch:
        from shuxiang.linkeddata.tasks import refresh

        refresh(sorted(batch, key=str))


def refresh_now(changes: Iterable[tuple[str, object]]) -> int:
    """Rewrite the documents touched by (model label, pk) changes; how many were written."""
    documents: dict[str, object] = {}
    for label, pk in changes:
        for describer in describers.for_model(label):
            documents.update(describer.documents_for(label, pk))
    return store.replace_documents(documents.items()) if documents else 0


def rebuild_now() -> int:
    """Load every public document of every describer into an emptied store."""
    return store.rebuild(
        document
        for describer in describers.all_describers()
        for document in describer.iter_documents()
    )


def connect() -> None:
    """Listen to saves and deletes of every model a describer depends on."""
    from django.apps import apps

    labels = {label for d in describers.all_describers() for label in d.models}
    for label in labels:
        model = apps.get_model(label)
        post_save.connect(_noted, sender=model, dispatch_uid=f"linkeddata-save-{label}")
        post_delete.connect(_noted, sender=model, dispatch_uid=f"linkeddata-delete-{label}")
