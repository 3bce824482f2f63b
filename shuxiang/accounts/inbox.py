"""The reader's one in-site inbox (站内信): every subsystem delivers here, the reader reads here.

Messages are delivered by services (courses' subscription notices, campaigns' phase changes,
moderation and waiting-list promotions …), optionally mirrored by e-mail after the commit. A
reader sees only their own messages; erasing the account deletes them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from shuxiang.accounts.models import Message, User
from shuxiang.core.errors import FieldError, ValidationFailed

log = logging.getLogger(__name__)

SOURCE_MAX = Message._meta.get_field("source").max_length
TITLE_MAX = Message._meta.get_field("title").max_length
LINK_MAX = Message._meta.get_field("link").max_length


def _check(source: str, title: str, link: str) -> None:
    problems = []
    if not source or len(source) > SOURCE_MAX:
        problems.append(FieldError("source", f"1 to {SOURCE_MAX} characters", "length"))
    if not title.strip():
        problems.append(FieldError("title", "a message needs a title", "required"))
    if len(link) > LINK_MAX:
        problems.append(FieldError("link", f"at most {LINK_MAX} characters", "length"))
    if link and not link.startswith("/"):
        problems.append(FieldError("link", "a path on this node, starting with /", "format"))
    if problems:
        raise ValidationFailed(problems[0].reason, problems)


def deliver(
    recipients: Iterable[User],
    title: str,
    *,
    source: str,
    body: str = "",
    link: str = "",
    email: bool = True,
) -> list[Message]:
    """Put one message in each recipient's inbox (erased accounts skipped, each reader once);
    with ``email`` also send it to readers who gave an address, after the commit."""
    _check(source, title, link)
    readers = list({r.pk: r for r in recipients if r is not None and not r.erased_at}.values())
    made = Message.objects.bulk_create(
        [
            Message(recipient=r, source=source, title=title[:TITLE_MAX], body=body, link=link)
            for r in readers
        ]
    )
    if email:
        addressed = [r.email for r in readers if r.email]
        if addressed:
            transaction.on_commit(lambda: _send_mail(title, body, link, addressed))
    return made


def _send_mail(title: str, body: str, link: str, addresses: list[str]) -> None:
    url = (settings.BASE_URL or "") + link if link else ""
    text = "\n".join(part for part in (body or title, url) if part)
    mails = [(title, text, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses]
    try:
        send_mass_mail(mails, fail_silently=False)
    except OSError:
        log.warning("inbox: e-mail not sent", exc_info=True)


def messages_of(reader: User, *, source: str | None = None, limit: int = 100) -> QuerySet[Message]:
    """The reader's newest messages (from one sender when ``source`` is given)."""
    rows = Message.objects.filter(recipient=reader)
    if source:
        rows = rows.filter(source=source)
    return rows[:limit]


def unread_count(reader: User) -> int:
    if not getattr(reader, "is_authenticated", False):
        return 0
    return Message.objects.filter(recipient=reader, read_at__isnull=True).count()


def mark_read(reader: User, *, source: str | None = None) -> int:
    """Mark the reader's unread messages read (those of one sender when ``source`` is given)."""
    rows = Message.objects.filter(recipient=reader, read_at__isnull=True)
    if source:
        rows = rows.filter(source=source)
    return rows.update(read_at=timezone.now())


def forget(reader: User, *, source: str) -> int:
    """Delete one sender's messages to the reader (a campaign erasing a guardian's data)."""
    return Message.objects.filter(recipient=reader, source=source).delete()[0]
