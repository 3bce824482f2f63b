"""Background work of the courses: telling subscribers, extracting subtitle keywords."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from shuxiang.courses import notices


@db_task()
def notify_subscribers(lecture_id: int, reason: str) -> int:
    """Inbox messages (and e-mails) for everyone following the lecture's course, series,
    speakers or topics; returns how many readers were told."""
    return notices.notify(lecture_id, reason)


@db_task()
def extract_keywords(lecture_id: int) -> int:
    from shuxiang.courses import keywords

    return keywords.refresh(lecture_id)
