"""Course services (公开课): the actor is explicit, each change one transaction, audited, with
notifications and live events sent after the commit.

Staff of a library (librarians included) run its courses; the library scope goes through
``shuxiang.network.scopes``. Readers post questions and subscribe.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.courses import live
from shuxiang.courses.models import (
    Course,
    Curation,
    Keyword,
    Lecture,
    Question,
    Series,
    Speaker,
    Subscription,
    Topic,
)
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.resources.models import Resource

Role = scopes.Role
QUESTION_CHARS = 500
MODERATIONS = ("approve", "hide", "show", "answered", "unanswered")


def clean_text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    """NFKC-normalised, stripped text of at most ``limit`` characters, or a field error."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if required and not text:
        raise ValidationFailed.single(field, _("This field is required."), "required")
    if len(text) > limit:
        raise ValidationFailed.single(
            field, _("At most %(limit)d characters.") % {"limit": limit}, "too_long"
        )
    return text


def require_staff(by: object, library: Library) -> None:
    scopes.require(by, library, _("run the courses of"), role=Role.LIBRARIAN)


def is_staff(by: object, library: Library) -> bool:
    return scopes.covers(by, library, role=Role.LIBRARIAN)


def create_topic(code: str, name: str, *, by: object) -> Topic:
    if not scopes.libraries(by, role=Role.LIBRARIAN) and not scopes.unrestricted(by):
        raise PermissionDenied(_("Only library staff create topics."))
    code = clean_text(code, "code", limit=64).lower()
    topic, _created = Topic.objects.get_or_create(
        code=code, defaults={"name": clean_text(name, "name", limit=100)}
    )
    return topic


def create_speaker(name: str, *, by: object, affiliation: str = "", biography: str = "") -> Speaker:
    if not scopes.libraries(by, role=Role.LIBRARIAN) and not scopes.unrestricted(by):
        raise PermissionDenied(_("Only library staff add speakers."))
    return Speaker.objects.create(
        name=clean_text(name, "name", limit=100),
        affiliation=clean_text(affiliation, "affiliation", limit=200, required=False),
        biography=clean_text(biography, "biography", limit=4000, required=False),
    )


def create_series(library: Library, title: str, *, by: object) -> Series:
    require_staff(by, library)
    return Series.objects.create(library=library, title=clean_text(title, "title", limit=200))


@transaction.atomic
def create_course(library: Library, data: dict, *, by: object) -> Course:
    """A course of ``library`` with its topics and speakers."""
    require_staff(by, library)
    course = Course.objects.create(
        library=library,
        title=clean_text(data.get("title"), "title", limit=200),
        summary=clean_text(data.get("summary"), "summary", limit=4000, required=False),
        series=data.get("series"),
    )
    course.topics.set(data.get("topics", []))
    course.speakers.set(data.get("speakers", []))
    audit.record(by, "courses.create_course", course, title=course.title)
    return course


def _check_video(video: Resource | None) -> None:
    if video is not None and video.type != "video":
        raise ValidationFailed.single("video", _("Choose a video resource."), "not_video")


@transaction.atomic
def add_lecture(course: Course, data: dict, *, by: object) -> Lecture:
    """A recorded lecture; the course's subscribers hear of it after the commit."""
    require_staff(by, course.library)
    _check_video(data.get("video"))
    lecture = Lecture.objects.create(
        course=course,
        order=course.lectures.count() + 1,
        title=clean_text(data.get("title"), "title", limit=200),
        summary=clean_text(data.get("summary"), "summary", limit=4000, required=False),
        speaker=data.get("speaker"),
        video=data.get("video"),
    )
    audit.record(by, "courses.add_lecture", lecture, course=course.pk)
    _notify_later(lecture, "new_lecture")
    return lecture


@transaction.atomic
def schedule_live(lecture: Lecture, starts_at: dt.datetime, stream_url: str, *, by: object):
    """Schedule a live session of ``lecture`` (an external stream or HLS URL)."""
    require_staff(by, lecture.course.library)
    if timezone.is_naive(starts_at):
        raise ValidationFailed.single("starts_at", _("Give the time with its time zone."))
    url = clean_text(stream_url, "stream_url", limit=500, required=False)
    if url and not url.startswith(("https://", "http://", "/")):
        raise ValidationFailed.single("stream_url", _("Use an http(s) address."), "scheme")
    lecture.live_state, lecture.live_starts_at, lecture.stream_url = "scheduled", starts_at, url
    lecture.save(update_fields=["live_state", "live_starts_at", "stream_url"])
    audit.record(by, "courses.schedule_live", lecture, starts_at=starts_at.isoformat())
    _notify_later(lecture, "live_scheduled")
    return lecture


def set_live_state(lecture: Lecture, state: str, *, by: object) -> Lecture:
    require_staff(by, lecture.course.library)
    if state not in ("scheduled", "live", "ended"):
        raise ValidationFailed.single("state", _("Use scheduled, live or ended."), "choice")
    lecture.live_state = state
    lecture.save(update_fields=["live_state"])
    return lecture


def _next_seq(lecture: Lecture) -> int:
    Lecture.objects.filter(pk=lecture.pk).update(question_seq=F("question_seq") + 1)
    return Lecture.objects.values_list("question_seq", flat=True).get(pk=lecture.pk)


def event_of(question: Question) -> dict:
    """What viewers learn of a question; a hidden one is only its number and state."""
    if question.state == Question.State.HIDDEN:
        return {"id": question.pk, "seq": question.seq, "state": "hidden"}
    return {
        "id": question.pk,
        "seq": question.seq,
        "state": question.state,
        "name": question.name,
        "text": question.text,
        "answered": question.answered,
    }


def _send_after_commit(question: Question) -> None:
    event = event_of(question)
    transaction.on_commit(lambda: live.publish(question.lecture_id, event))


@transaction.atomic
def post_question(lecture: Lecture, text: str, *, by: object) -> Question:
    """A signed-in viewer's question; everyone watching sees it within a second."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Log in to ask a question."))
    if not lecture.course.published:
        raise PermissionDenied(_("This course is not published."))
    text = clean_text(text, "text", limit=QUESTION_CHARS)
    name = getattr(by, "display_name", "") or _("Reader %(number)s") % {"number": by.pk}
    question = Question.objects.create(
        lecture=lecture, author=by, name=name[:40], text=text, seq=_next_seq(lecture)
    )
    _send_after_commit(question)
    return question


@transaction.atomic
def moderate(question: Question, action: str, *, by: object) -> Question:
    """Approve, hide, show again or mark (un)answered; viewers see the change at once."""
    require_staff(by, question.lecture.course.library)
    if action not in MODERATIONS:
        raise ValidationFailed.single("action", _("Unknown moderation action."), "choice")
    if action in ("approve", "hide", "show"):
        states = {"approve": "approved", "hide": "hidden", "show": "shown"}
        question.state = states[action]
    else:
        question.answered = action == "answered"
    question.seq = _next_seq(question.lecture)
    question.save(update_fields=["state", "answered", "seq"])
    audit.record(by, f"courses.question_{action}", question)
    _send_after_commit(question)
    return question


SUBSCRIBABLE = {"course": Course, "series": Series, "speaker": Speaker, "topic": Topic}


def subscribe(kind: str, target: int, *, by: object) -> Subscription:
    """Follow a course, series, speaker or topic (idempotent)."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Log in to subscribe."))
    model = SUBSCRIBABLE.get(kind)
    if model is None:
        raise ValidationFailed.single("kind", _("Use course, series, speaker or topic."), "choice")
    if not model.objects.filter(pk=target).exists():
        raise ValidationFailed.single("target", _("No such item."), "not_found")
    try:
        with transaction.atomic():
            return Subscription.objects.get_or_create(user=by, kind=kind, target=target)[0]
    except IntegrityError:
        return Subscription.objects.get(user=by, kind=kind, target=target)


def unsubscribe(kind: str, target: int, *, by: object) -> None:
    if getattr(by, "is_authenticated", False):
        Subscription.objects.filter(user=by, kind=kind, target=target).delete()


def _notify_later(lecture: Lecture, reason: str) -> None:
    from shuxiang.courses import tasks

    transaction.on_commit(lambda: tasks.notify_subscribers(lecture.pk, reason))


@transaction.atomic
def curate(library: Library, course: Course, choice: str, *, by: object) -> None:
    """Pin or hide a course of a library above on ``library``'s branch site (or undo: '')."""
    require_staff(by, library)
    if choice not in ("pinned", "hidden", ""):
        raise ValidationFailed.single("choice", _("Use pinned, hidden or nothing."), "choice")
    Curation.objects.filter(library=library, course=course).delete()
    if choice:
        Curation.objects.create(library=library, course=course, choice=choice)
    audit.record(by, "courses.curate", course, library=library.code, choice=choice)


def review_keyword(keyword: Keyword, decision: str, *, by: object) -> Keyword:
    """A librarian accepts or rejects a subtitle keyword."""
    require_staff(by, keyword.lecture.course.library)
    if decision not in ("accepted", "rejected", "pending"):
        raise ValidationFailed.single("review", _("Use accepted or rejected."), "choice")
    keyword.review = decision
    keyword.save(update_fields=["review"])
    return keyword
