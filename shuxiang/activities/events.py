"""Event registration (活动报名): capacity, a waiting list promoted in order, check-in by QR.

Capacity is never exceeded: registering and cancelling lock the event's row
(``select_for_update``; SQLite's IMMEDIATE transactions serialize writers) and keep
``confirmed_count`` in the same transaction as the registration rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.activities import clock
from shuxiang.activities.models import Event, Registration
from shuxiang.activities.services import notify
from shuxiang.core import audit
from shuxiang.core.errors import Conflict, FieldError, NotFound, PermissionDenied
from shuxiang.network import scopes

Status = Registration.Status


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def register(event: Event, *, by) -> Registration:
    """Register ``by``: confirmed while places are left, else on the waiting list."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to register for an event."))
    event = _locked(event)
    if event.starts_at <= clock.now():
        raise Conflict.single("event", _("This event has already begun."), "started")
    row = Registration.objects.filter(event=event, reader=by).first()
    if row and row.status != Status.CANCELLED:
        return row
    status = Status.CONFIRMED if event.confirmed_count < event.capacity else Status.WAITING
    row = row or Registration(event=event, reader=by)
    row.status, row.queued_at = status, clock.now()
    row.save()
    if status == Status.CONFIRMED:
        Event.objects.filter(pk=event.pk).update(confirmed_count=event.confirmed_count + 1)
    audit.record(by, "activities.register_event", event, status=status)
    _record_usage(event, by)
    return row


def _record_usage(event: Event, reader) -> None:
    from shuxiang.stats.events import record

    record(
        "registration",
        library=event.library,
        reader=reader,
        resource_type="activities.event",
        item_id=f"activities:event:{event.pk}",
    )


@transaction.atomic
def cancel(event: Event, *, by) -> Registration | None:
    """Cancel ``by``'s registration; the first on the waiting list takes a freed place."""
    event = _locked(event)
    row = Registration.objects.filter(event=event, reader=by).exclude(status=Status.CANCELLED)
    row = row.first()
    if row is None:
        reason = _("You are not registered for this event.")
        raise NotFound(reason, [FieldError("event", reason, "not_registered")])
    was_confirmed = row.status == Status.CONFIRMED
    row.status = Status.CANCELLED
    row.save(update_fields=["status"])
    audit.record(by, "activities.cancel_event", event)
    promoted = None
    if was_confirmed:
        promoted = Registration.objects.filter(event=event, status=Status.WAITING).first()
        if promoted:
            promoted.status = Status.CONFIRMED
            promoted.save(update_fields=["status"])
            notify(
                promoted.reader,
                _("A place at %(event)s is yours") % {"event": event.title},
                link=f"/activities/events/{event.pk}/",
            )
        else:
            Event.objects.filter(pk=event.pk).update(confirmed_count=event.confirmed_count - 1)
    return promoted


@transaction.atomic
def check_in(event: Event, card_token: str, *, by) -> Registration:
    """Staff scan the reader's QR card (二维码读者卡) at the door."""
    from shuxiang.accounts.cards import verify_card_token

    scopes.require(by, event.library, "check readers in at", role=scopes.Role.LIBRARIAN)
    reader = verify_card_token(card_token, by=by)
    row = Registration.objects.filter(event=event, reader=reader, status=Status.CONFIRMED).first()
    if row is None:
        raise Conflict.single("token", _("This reader holds no confirmed place."), "not_registered")
    if not row.checked_in_at:
        row.checked_in_at = clock.now()
        row.save(update_fields=["checked_in_at"])
        from shuxiang.stats.events import record

        record(
            "item_view",
            library=event.library,
            reader=reader,
            resource_type="activities.attendance",
            item_id=f"activities:event:{event.pk}",
        )
    return row


def send_reminders(within: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Remind confirmed readers of events starting within a day (once per event)."""
    now = clock.now()
    sent = 0
    for event in Event.objects.filter(
        reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=now + within
    ):
        with transaction.atomic():
            for row in event.registrations.filter(status=Status.CONFIRMED).select_related("reader"):
                notify(
                    row.reader,
                    _("Reminder: %(event)s") % {"event": event.title},
                    f"{event.starts_at:%Y-%m-%d %H:%M} {event.place}",
                    f"/activities/events/{event.pk}/",
                )
                sent += 1
            Event.objects.filter(pk=event.pk).update(reminded_at=now)
    return sent
