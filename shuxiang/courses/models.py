"""Open courses (公开课): topics, speakers, series, courses, lectures, live questions,
subscriptions, the in-site inbox, subtitle keywords and each branch's curation of its site.

The head site (总站) shows the courses of the national library; a branch site (分站) shows the
courses of the libraries above it that it did not hide, plus its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.Model):
    """A subject area of the course platform (专题)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Speaker(models.Model):
    """A person who gives lectures (主讲人)."""

    name = models.CharField(_("name"), max_length=100)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    biography = models.TextField(_("biography"), blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    """A named run of courses (系列)."""

    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.title


class Course(models.Model):
    """A course (课程) of one library: lectures given in order."""

    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="courses")
    speakers = models.ManyToManyField(Speaker, blank=True, related_name="courses")
    published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/courses/c/{self.pk}/"


class Lecture(models.Model):
    """One lecture (讲座) of a course: a recorded video resource, or a live session to come."""

    class Live(models.TextChoices):
        NONE = "", _("recorded")
        SCHEDULED = "scheduled", _("live session scheduled")
        LIVE = "live", _("live now")
        ENDED = "ended", _("live session ended")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lectures")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    speaker = models.ForeignKey(
        Speaker, null=True, blank=True, on_delete=models.SET_NULL, related_name="lectures"
    )
    video = models.ForeignKey(
        "resources.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    live_state = models.CharField(
        _("live state"), max_length=10, choices=Live.choices, default=Live.NONE, blank=True
    )
    live_starts_at = models.DateTimeField(_("live session starts"), null=True, blank=True)
    stream_url = models.URLField(_("stream URL"), max_length=500, blank=True)
    question_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/courses/l/{self.pk}/"


class Question(models.Model):
    """A viewer's question to a live lecture (提问); it stays with the recording."""

    class State(models.TextChoices):
        SHOWN = "shown", _("shown")
        APPROVED = "approved", _("approved")
        HIDDEN = "hidden", _("hidden")

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=40)
    text = models.CharField(_("question"), max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SHOWN)
    answered = models.BooleanField(_("answered"), default=False)
    seq = models.PositiveIntegerField(default=0, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lecture", "seq"]

    def __str__(self) -> str:
        return self.text[:40]


class Subscription(models.Model):
    """A reader following a course, series, speaker or topic (订阅)."""

    class Kind(models.TextChoices):
        COURSE = "course", _("course")
        SERIES = "series", _("series")
        SPEAKER = "speaker", _("speaker")
        TOPIC = "topic", _("topic")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_subscriptions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "target"], name="unique_course_subscription"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target}"


class Keyword(models.Model):
    """A keyword from a lecture's subtitles with the time it is first spoken (字幕关键词)."""

    class Review(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="keywords")
    term = models.CharField(max_length=50)
    weight = models.FloatField(default=0)
    start_seconds = models.FloatField(default=0)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING)

    class Meta:
        ordering = ["lecture", "-weight", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lecture", "term"], name="unique_lecture_keyword")
        ]

    def __str__(self) -> str:
        return self.term


class Curation(models.Model):
    """A branch librarian's choice about a course of a library above: pin it or hide it."""

    class Choice(models.TextChoices):
        PINNED = "pinned", _("pinned")
        HIDDEN = "hidden", _("hidden")

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="curations")
    choice = models.CharField(max_length=10, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "course"], name="unique_course_curation")
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.choice} {self.course_id}"
