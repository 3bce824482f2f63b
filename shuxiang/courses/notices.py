"""Telling subscribers of a new lecture or a scheduled live session (订阅推送): one message
in each reader's in-site inbox, and an e-mail through Django's e-mail backend when the reader
has an address."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.accounts import inbox
from shuxiang.courses.models import Lecture, Subscription


def followers(lecture: Lecture) -> list:
    """Readers subscribed to the lecture's course, series, speakers or topics (each once)."""
    course = lecture.course
    speakers = set(course.speakers.values_list("pk", flat=True))
    if lecture.speaker_id:
        speakers.add(lecture.speaker_id)
    wanted = Q(kind="course", target=course.pk)
    wanted |= Q(kind="speaker", target__in=speakers)
    wanted |= Q(kind="topic", target__in=list(course.topics.values_list("pk", flat=True)))
    if course.series_id:
        wanted |= Q(kind="series", target=course.series_id)
    rows = Subscription.objects.filter(wanted).select_related("user")
    return list({row.user_id: row.user for row in rows}.values())


def title_for(lecture: Lecture, reason: str) -> str:
    if reason == "live_scheduled":
        when = timezone.localtime(lecture.live_starts_at).strftime("%Y-%m-%d %H:%M")
        return _("Live lecture at %(when)s: %(title)s") % {"when": when, "title": lecture.title}
    return _("New lecture in %(course)s: %(title)s") % {
        "course": lecture.course.title,
        "title": lecture.title,
    }


def notify(lecture_id: int, reason: str) -> int:
    lecture = Lecture.objects.select_related("course").filter(pk=lecture_id).first()
    if lecture is None or not lecture.course.published:
        return 0
    readers = followers(lecture)
    title, link = title_for(lecture, reason), lecture.get_absolute_url()
    inbox.deliver(readers, title, source="courses", link=link)
    return len(readers)
