"""Reading-promotion campaigns (推广活动): campaigns, poems, entrants, works, likes, events."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from shuxiang.accounts import pii
from shuxiang.network.models import Library


def _token() -> str:
    return secrets.token_urlsafe(9)


def mask(name: str) -> str:
    """王小萌 → 王*萌, 李明 → 李*: the public form of a child's name."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name or "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class Campaign(models.Model):
    """A campaign hosted by a library for its subtree (e.g. 童音诵古韵·经典有新声)."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="campaigns")
    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    rules = models.TextField(blank=True)
    age_groups = models.JSONField(default=list, help_text="[{code, label, min_age, max_age}]")
    criteria = models.JSONField(default=list, help_text="Judging criteria: [{name, weight}]")
    registration_start = models.DateField()
    registration_end = models.DateField()
    submission_start = models.DateField()
    submission_end = models.DateField()
    like_start = models.DateField()
    like_end = models.DateField()
    judging_end = models.DateField()
    results_on = models.DateField()
    min_seconds = models.PositiveIntegerField(default=5)
    max_seconds = models.PositiveIntegerField(default=300)
    shortlisted_at = models.DateTimeField(null=True, blank=True)
    announced_phases = models.JSONField(default=list, help_text="Phases guardians were told of.")
    results_published = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-like_start", "pk"]

    def __str__(self) -> str:
        return self.title


class Poem(models.Model):
    """A candidate poem with its model reading (范读), an audio file."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="poems")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    author = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    model_reading = models.FileField(upload_to="activities/readings/", blank=True)

    class Meta:
        ordering = ["campaign", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Entrant(models.Model):
    """A child registered by a guardian (a reader). Personal data is minimal and erasable."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entrants")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entrants"
    )
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="entrants")
    name_enc = models.TextField(blank=True, help_text="Given name, encrypted (accounts.pii).")
    birth_year_enc = models.TextField(blank=True, help_text="Birth year, encrypted.")
    name_masked = models.CharField(
        max_length=40, blank=True, help_text="The public form (王*萌), kept with the name."
    )
    age_group = models.CharField(max_length=20)
    erased_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"entrant {self.pk}"

    @property
    def name(self) -> str:
        return pii.decrypt(self.name_enc)

    @name.setter
    def name(self, value: str) -> None:
        self.name_enc = pii.encrypt(value or "")
        self.name_masked = mask(value)[:40] if value else ""

    @property
    def masked_name(self) -> str:
        """What public pages show, without decrypting: 王*萌 (``*`` once erased)."""
        return self.name_masked or "*"

    @property
    def birth_year(self) -> int | None:
        plain = pii.decrypt(self.birth_year_enc)
        return int(plain) if plain else None

    @birth_year.setter
    def birth_year(self, value: int | None) -> None:
        self.birth_year_enc = pii.encrypt(str(value) if value else "")


class Consent(models.Model):
    """A guardian's recorded consent (监护人同意, PIPL art. 31): who, when, what."""

    entrant = models.OneToOneField(Entrant, on_delete=models.CASCADE, related_name="consent")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    given_at = models.DateTimeField()
    statement = models.TextField(help_text="The text the guardian agreed to.")
    statement_version = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"consent of entrant {self.entrant_id}"


class Work(models.Model):
    """One recording (作品) of a poem by an entrant."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending moderation"
        APPROVED = "approved", "approved"
        HIDDEN = "hidden", "hidden"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="works")
    entrant = models.ForeignKey(Entrant, on_delete=models.CASCADE, related_name="works")
    poem = models.ForeignKey(Poem, on_delete=models.PROTECT, related_name="works")
    age_group = models.CharField(max_length=20)
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=20, unique=True, default=_token)
    audio = models.FileField(upload_to="activities/works/", blank=True)
    seconds = models.FloatField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    hidden_reason = models.CharField(max_length=300, blank=True)
    disqualified_reason = models.CharField(max_length=300, blank=True)
    like_count = models.PositiveIntegerField(default=0, help_text="Valid likes.")
    shortlisted = models.BooleanField(default=False)
    prize = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["campaign", "-like_count", "id"], name="act_work_board"),
            models.Index(
                fields=["campaign", "age_group", "-like_count", "id"], name="act_work_board_age"
            ),
            models.Index(
                fields=["campaign", "library", "-like_count", "id"], name="act_work_board_lib"
            ),
        ]

    def __str__(self) -> str:
        return f"work {self.token}"

    @property
    def on_board(self) -> bool:
        return self.status == self.Status.APPROVED and not self.disqualified_reason


class Like(models.Model):
    """One reader's like of one work on one Beijing calendar day (点赞)."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="likes")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    at = models.DateTimeField()
    ip = models.CharField(max_length=45, blank=True)
    device = models.CharField(max_length=64, blank=True)
    voided = models.BooleanField(default=False)
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "reader", "day"], name="act_like_once_a_day")
        ]
        indexes = [models.Index(fields=["work", "at"], name="act_like_work_at")]

    def __str__(self) -> str:
        return f"like {self.work_id}/{self.reader_id}/{self.day}"


class Judge(models.Model):
    """An account appointed by the host library's staff to judge a campaign (评委)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="judges")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judging"
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appointed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "account"], name="act_judge_once")
        ]

    def __str__(self) -> str:
        return f"judge {self.account_id} of {self.campaign_id}"


class Score(models.Model):
    """A judge's blind score of a shortlisted work against the campaign's criteria."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    marks = models.JSONField(default=dict)
    total = models.FloatField()
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "judge"], name="act_score_once_per_judge")
        ]

    def __str__(self) -> str:
        return f"score {self.work_id}/{self.judge_id}"


class Event(models.Model):
    """An event readers register for (活动报名), with a capacity and a waiting list."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=200)
    place = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    confirmed_count = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "confirmed"
        WAITING = "waiting", "waiting"
        CANCELLED = "cancelled", "cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    queued_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "reader"], name="act_registration_once")
        ]

    def __str__(self) -> str:
        return f"registration {self.event_id}/{self.reader_id} {self.status}"
