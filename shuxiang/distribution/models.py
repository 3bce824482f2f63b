"""Resource packages (资源推送, SPEC §11): curated, versioned sets of resources built as BagIt
bags (RFC 8493) with a configuration table (基层图书馆资源配置表), and the record of which
package versions a receiving library imported.

A ``PackageVersion`` is one bag: a full one (``base_version`` null) or a delta against an
earlier version of the same package. A full and a delta bag may share a number (the same
content, shipped two ways); their items are the same snapshot.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Package(models.Model):
    """A curated set of resources of one library, chosen by a selection rule.

    ``rule`` = {"collections": [ids], "types": [codes], "query": str, "resources": [ids]}:
    resources matching every given criterion among collections/types/query, plus the
    hand-picked ones.
    """

    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    rule = models.JSONField(_("selection rule"), default=dict, blank=True)
    notes = models.JSONField(_("configuration table descriptions by type"), default=dict)
    origin = models.CharField(
        _("passed on from"),
        max_length=200,
        blank=True,
        help_text="External id of the package this library received and passes on (re-offers) "
        "to its subtree unchanged; empty for a package the library builds.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["library__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["library", "code"], name="unique_package_code")
        ]

    def __str__(self) -> str:
        return self.title


class PackageVersion(models.Model):
    """One built bag of a package: full, or a delta applying to ``base_version``."""

    class State(models.TextChoices):
        BUILDING = "building", _("building")
        BUILT = "built", _("built")
        FAILED = "failed", _("failed")

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    base_version = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="deltas"
    )
    built_at = models.DateTimeField(null=True, blank=True)
    bag_path = models.CharField(max_length=1000, blank=True)
    payload_bytes = models.BigIntegerField(default=0)
    file_count = models.PositiveIntegerField(default=0)
    oxum = models.CharField(max_length=60, blank=True)
    tagmanifest_sha256 = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=100, blank=True)
    signature = models.CharField(max_length=200, blank=True)
    signer_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="Public key (base64url) of the node that signed a bag this library received "
        "and passes on; empty for bags built here.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.BUILDING)
    error = models.TextField(blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["package_id", "-number", "base_version_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "number"],
                condition=Q(base_version__isnull=True),
                name="unique_full_package_version",
            ),
            models.UniqueConstraint(
                fields=["package", "number", "base_version"], name="unique_delta_package_version"
            ),
        ]

    def __str__(self) -> str:
        base = f" (delta from {self.base_version.number})" if self.base_version_id else ""
        return f"{self.package.code} v{self.number}{base}"

    @property
    def is_delta(self) -> bool:
        return self.base_version_id is not None


class PackageItem(models.Model):
    """A resource in a version: its key in the bag, metadata snapshot and files.

    ``files`` = [{"path", "key", "sha256", "size", "role", "order", "filename",
    "content_type", "label"}] with ``path`` relative to the bag's ``data/`` folder.
    """

    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(
        "resources.Resource", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=100)
    metadata = models.JSONField(default=dict)
    files = models.JSONField(default=list)

    class Meta:
        ordering = ["version", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="unique_package_item")
        ]

    def __str__(self) -> str:
        return self.key


class ConfigRow(models.Model):
    """A row of the configuration table (资源配置表): category, type, count, size, description."""

    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="config")
    number = models.PositiveIntegerField()
    category = models.CharField(_("category"), max_length=100)
    type = models.CharField(_("type"), max_length=20)
    type_label = models.CharField(_("resource type"), max_length=100)
    count = models.PositiveIntegerField(_("items"), default=0)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="unique_config_row")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.type_label}"


class ImportedPackage(models.Model):
    """A package as a receiving library holds it: where it came from and its current version."""

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    source = models.CharField(max_length=200)
    code = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    collection = models.ForeignKey(
        "resources.Collection", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["library", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "external_id"], name="unique_imported_package"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ImportRun(models.Model):
    """One import of one bag into a library; ``position`` marks the items already applied
    (so a killed run resumes there) and ``stored_keys`` what its staging stored."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("imported")
        REFUSED = "refused", _("refused")

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(
        ImportedPackage, null=True, blank=True, on_delete=models.CASCADE, related_name="runs"
    )
    bag_path = models.CharField(max_length=1000)
    external_id = models.CharField(max_length=200)
    number = models.PositiveIntegerField()
    base_number = models.PositiveIntegerField(null=True, blank=True)
    tagmanifest_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    staged = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    total_items = models.PositiveIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "tagmanifest_sha256"],
                condition=Q(state="running"),
                name="one_running_import_per_bag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_id} v{self.number} {self.state}"


class ImportedResource(models.Model):
    """Provenance of an imported resource: its key at the source, package and version."""

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(ImportedPackage, on_delete=models.CASCADE, related_name="items")
    resource = models.OneToOneField(
        "resources.Resource", on_delete=models.CASCADE, related_name="provenance"
    )
    key = models.CharField(max_length=100)
    origin = models.CharField(max_length=300)
    version = models.PositiveIntegerField()
    metadata_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["package", "key"]
        constraints = [
            models.UniqueConstraint(fields=["package", "key"], name="unique_imported_resource")
        ]

    def __str__(self) -> str:
        return f"{self.origin} v{self.version}"


# --- push and deployment ---


class Subscription(models.Model):
    """A library's standing request (订阅) for every new version of a package."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="subscriptions")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["package", "library__path"]
        constraints = [
            models.UniqueConstraint(fields=["package", "library"], name="unique_subscription")
        ]

    def __str__(self) -> str:
        return f"{self.library_id} <- {self.package_id}"


class Deployment(models.Model):
    """A package at one library of the sender's subtree (部署状态): the version offered to it,
    the version it holds, and how far its pull has come (reported by the receiving node)."""

    class State(models.TextChoices):
        OFFERED = "offered", _("offered")
        DOWNLOADING = "downloading", _("downloading")
        VERIFIED = "verified", _("verified")
        IMPORTED = "imported", _("imported")
        FAILED = "failed", _("failed")
        OUTDATED = "outdated", _("outdated")

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="deployments")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(PackageVersion, on_delete=models.PROTECT, related_name="+")
    held = models.PositiveIntegerField(_("version held"), null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OFFERED)
    done_bytes = models.BigIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    reason = models.TextField(_("reason"), blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["package", "library__path"]
        constraints = [
            models.UniqueConstraint(fields=["package", "library"], name="unique_deployment")
        ]

    def __str__(self) -> str:
        return f"{self.package_id}@{self.library_id} {self.state}"


class Transfer(models.Model):
    """An offered bag pulled by this (receiving) node from its parent (接收): the offer's
    address and capability token, where the bag lands, and how far the pull has come."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting")
        DOWNLOADING = "downloading", _("downloading")
        VERIFIED = "verified", _("verified")
        IMPORTED = "imported", _("imported")
        FAILED = "failed", _("failed")

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    source = models.URLField(max_length=1000)
    token = models.CharField(max_length=500)
    external_id = models.CharField(max_length=200)
    code = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    number = models.PositiveIntegerField()
    base_number = models.PositiveIntegerField(null=True, blank=True)
    tagmanifest_sha256 = models.CharField(max_length=64)
    offer = models.JSONField(default=dict)
    folder = models.CharField(max_length=1000)
    state = models.CharField(max_length=12, choices=State.choices, default=State.WAITING)
    done_bytes = models.BigIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "tagmanifest_sha256"], name="unique_transfer_per_bag"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.number} {self.state}"


class RelayedDeployment(models.Model):
    """A library reached through a child node that passed the package on (re-offered it):
    its deployment as that node reports it, below the deployment ``via`` of the child's own
    library. The library need not exist in this node's tree (code, name, level are kept)."""

    via = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="relayed")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=20)
    parent_code = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=12, choices=Deployment.State.choices)
    offered = models.PositiveIntegerField(null=True, blank=True)
    held = models.PositiveIntegerField(null=True, blank=True)
    done_bytes = models.BigIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["via", "code"]
        constraints = [
            models.UniqueConstraint(fields=["via", "code"], name="unique_relayed_deployment")
        ]

    def __str__(self) -> str:
        return f"{self.code} via {self.via_id} {self.state}"
