"""Warehouse records: sources, records with their original payload, and works (clusters)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessPolicy(models.TextChoices):
    """Who may see a record in search (the resources app's policies, same names)."""

    PUBLIC = "public", _("public")
    REGISTERED = "registered", _("registered readers")
    LIBRARY = "library", _("readers of this library")
    NETWORK = "network", _("network IP ranges only")
    STAFF = "staff", _("staff only")


class Source(models.Model):
    """Where records come from: an OAI-PMH endpoint, a MARC file, or this node's resources."""

    class Kind(models.TextChoices):
        OAI = "oai", _("OAI-PMH endpoint")
        MARC = "marc", _("MARC file")
        LOCAL = "local", _("local resources")
        GENERATED = "generated", _("generated sample")
        NODE = "node", _("federated Shuxiang node")

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    library = models.ForeignKey(
        "network.Library", null=True, blank=True, on_delete=models.PROTECT, related_name="sources"
    )
    base_url = models.URLField(_("base URL"), max_length=500, blank=True)
    metadata_prefix = models.CharField(max_length=64, default="oai_dc")
    set_spec = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    harvest_every_hours = models.PositiveIntegerField(default=24)
    last_datestamp = models.CharField(max_length=32, blank=True)
    resumption_token = models.TextField(blank=True)
    harvest_from = models.CharField(max_length=32, blank=True)
    pending_datestamp = models.CharField(
        max_length=32, blank=True, help_text="Becomes last_datestamp when the current list ends."
    )
    last_harvest_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    index_pending_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Records stored since then may be missing from the search index (bulk harvests"
        " index in batches; a killed harvest reindexes them when it starts again).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Work(models.Model):
    """One work: the cluster of records (holdings) describing the same thing."""

    key = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=500)
    creators = models.JSONField(default=list)
    year = models.IntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class Record(models.Model):
    """A metadata record: original payload plus normalized fields used by search and OAI."""

    # no index of its own: the unique (source, local_id) index serves lookups by source, and
    # every index is written by every harvested record
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    local_id = models.CharField(max_length=255)
    format = models.CharField(max_length=32)
    payload = models.TextField(blank=True)
    datestamp = models.DateTimeField()  # indexed by record_datestamp_id (datestamp, id)
    source_datestamp = models.CharField(max_length=40, blank=True)
    encoding = models.CharField(
        max_length=32, blank=True, help_text="Encoding the harvested payload was read in."
    )
    harvested_at = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    library = models.ForeignKey(
        "network.Library", null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    access_policy = models.CharField(
        max_length=16, choices=AccessPolicy.choices, default=AccessPolicy.PUBLIC
    )
    set_specs = models.TextField(blank=True, help_text="OAI set specs, each between bars.")
    title = models.CharField(max_length=1000, blank=True)
    title_folded = models.CharField(max_length=200, blank=True)  # record_title_prefix
    creators = models.JSONField(default=list)
    subjects = models.JSONField(default=list)
    description = models.TextField(blank=True)
    publisher = models.CharField(max_length=500, blank=True)
    date = models.CharField(max_length=64, blank=True)
    year = models.IntegerField(null=True, blank=True, db_index=True)
    language = models.CharField(max_length=16, blank=True)
    type = models.CharField(max_length=32, blank=True)
    collection = models.CharField(max_length=200, blank=True)
    identifiers = models.JSONField(default=list)
    isbn = models.CharField(max_length=13, blank=True)  # no query looks records up by it
    # indexed only once clustered (record_work): a harvested record has no work until the
    # index job clusters it, and that update writes every index of the row anyway
    work = models.ForeignKey(
        Work,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
        db_index=False,
    )
    search_text = models.TextField(blank=True)
    holding_node = models.CharField(
        max_length=500, blank=True, help_text="Base URL of the node holding it (empty: this node)."
    )
    holding_url = models.CharField(
        max_length=1000, blank=True, help_text="Its page at the holding node, when it has one."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "local_id"], name="unique_record_per_source")
        ]
        indexes = [
            models.Index(fields=["datestamp", "id"], name="record_datestamp_id"),
            # title suggestions (prefix LIKE); on PostgreSQL the one pattern-ops index
            models.Index(
                fields=["title_folded"],
                name="record_title_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["work"], name="record_work", condition=models.Q(work__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.local_id

    @property
    def sets(self) -> list[str]:
        return [spec for spec in self.set_specs.split("|") if spec]
