"""Digital resources: collections (资源库), resources with Dublin Core metadata, their files,
distribution of central resources to branch libraries, derivative jobs, imports and uploads.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuxiang.resources.types import TYPE_CHOICES


class Collection(models.Model):
    """A repository of one library: its independent repository, or the central one.

    The central repository (中心资源库) belongs to a library that distributes to the libraries
    below it (the national centre, or a provincial centre); every library may keep any number of
    independent collections (本馆自建资源库).
    """

    class Kind(models.TextChoices):
        CENTRAL = "central", _("central repository")
        INDEPENDENT = "independent", _("independent repository")

    library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, related_name="collections"
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["library__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["library", "code"], name="unique_collection_code")
        ]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """One digital object: Dublin Core core fields plus per-type fields in ``extra``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Access(models.TextChoices):
        PUBLIC = "public", _("everyone")
        REGISTERED = "registered", _("registered readers")
        LIBRARY = "library", _("readers of this library")
        NETWORK = "network", _("inside the library's network")
        STAFF = "staff", _("staff only")

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="resources")
    library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, related_name="resources"
    )
    type = models.CharField(_("type"), max_length=20, choices=TYPE_CHOICES, db_index=True)
    subtype = models.CharField(_("subtype"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=500)
    titles = models.JSONField(_("titles in other languages"), default=dict, blank=True)
    creator = models.CharField(_("creator"), max_length=300, blank=True)
    contributor = models.CharField(_("contributor"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    date = models.CharField(_("date"), max_length=10, blank=True, help_text="YYYY[-MM[-DD]]")
    description = models.TextField(_("description"), blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=35, default="zh-Hans")
    rights = models.CharField(_("rights statement"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    access = models.CharField(
        _("access policy"), max_length=12, choices=Access.choices, default=Access.PUBLIC
    )
    extra = models.JSONField(_("type-specific fields"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    identifier = models.CharField(_("persistent identifier"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "fingerprint"],
                condition=~Q(fingerprint=""),
                name="unique_resource_fingerprint_per_library",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("resources:detail", args=[self.pk])


class Distribution(models.Model):
    """A central resource made available to a branch library (and the libraries below it)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="distributions")
    library = models.ForeignKey(
        "network.Library", on_delete=models.CASCADE, related_name="received_resources"
    )
    distributed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "library"], name="unique_distribution")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} → {self.library_id}"


class ResourceFile(models.Model):
    """A stored file: an original (kept unchanged) or a derivative made from one."""

    class Role(models.TextChoices):
        ORIGINAL = "original", _("original")
        THUMBNAIL = "thumbnail", _("thumbnail")
        POSTER = "poster", _("video poster")
        PAGE = "page", _("page image")
        CHAPTER = "chapter", _("chapter")
        SUBTITLES = "subtitles", _("subtitles")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=12, choices=Role.choices)
    order = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=500, unique=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    label = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "role", "order"], name="unique_file_role_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.filename}"


class DerivativeJob(models.Model):
    """One derivative to make for a resource: its state, attempts and last error."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "kind"], name="unique_job_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.state}"


class ImportBatch(models.Model):
    """A batch import of a folder with a manifest; rows are recorded as they finish."""

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="imports")
    folder = models.CharField(max_length=1000)
    manifest = models.CharField(max_length=1000)
    manifest_sha256 = models.CharField(max_length=64)
    total_rows = models.PositiveIntegerField(default=0)
    finished = models.BooleanField(default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "manifest_sha256"], name="unique_import_manifest"
            )
        ]

    def __str__(self) -> str:
        return self.manifest


class ImportRow(models.Model):
    """The outcome of one manifest row (persisted row by row, so a killed run resumes)."""

    class Outcome(models.TextChoices):
        STORED = "stored", _("stored")
        DUPLICATE = "duplicate", _("already stored")
        FAILED = "failed", _("failed")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    errors = models.JSONField(default=list, blank=True)
    bytes = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="unique_import_row")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.outcome}"


class Upload(models.Model):
    """A resumable (tus 1.0) upload: bytes land in a part file until the length is reached.

    Complete (offset = length) but neither finished nor failed means "to finish": the next
    request for it, the pass at start and the periodic sweep finish it (see ``uploads``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.id} {self.offset}/{self.length}"

    @property
    def pending(self) -> bool:
        """All bytes are here but no resource was made yet (nor did making it fail)."""
        return self.complete and self.finished_at is None and not self.error

    @property
    def complete(self) -> bool:
        return self.offset >= self.length
