"""Library network records: divisions, libraries (a materialized-path tree), IPs, domains."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


class Division(models.Model):
    """An administrative division code (行政区划代码, GB/T 2260)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture")
        COUNTY = "county", _("county")

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=64)
    level = models.CharField(max_length=12, choices=Level.choices)
    revision = models.CharField(max_length=16, help_text="Newest revision listing this code.")
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    def contains(self, other: Division) -> bool:
        """True when ``other`` is this division or lies inside it."""
        if self.level == self.Level.PROVINCE:
            return other.code[:2] == self.code[:2]
        if self.level == self.Level.PREFECTURE:
            return other.code[:4] == self.code[:4]
        return other.code == self.code


class Library(models.Model):
    """A member library. ``path`` holds the codes from the root down, e.g. ``/NLC/330000/``.

    Subtree, ancestor and "all county libraries of province X" queries are one indexed query
    each on ``path`` (a prefix match), never recursion in Python.
    """

    class Level(models.TextChoices):
        NATIONAL = "national", _("national")
        PROVINCIAL = "provincial", _("provincial")
        CITY = "city", _("city")
        COUNTY = "county", _("county")
        TOWNSHIP = "township", _("township")
        SERVICE_POINT = "service_point", _("service point")

    class Status(models.TextChoices):
        APPLYING = "applying", _("applying")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        REJECTED = "rejected", _("rejected")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    is_sub_provincial = models.BooleanField(_("sub-provincial"), default=False)
    is_childrens = models.BooleanField(_("children's library"), default=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=400, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="libraries"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    site_path = models.CharField(_("site path"), max_length=64, blank=True)
    branding = models.JSONField(_("branding"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    node = models.CharField(_("hosting node"), max_length=100, default="local")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = _("libraries")

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to the parent (excluding this library)."""
        return [c for c in self.path.split(PATH_SEPARATOR) if c][:-1]

    def is_ancestor_of(self, other: Library) -> bool:
        return other.path.startswith(self.path) and other.path != self.path

    def in_subtree_of(self, other: Library) -> bool:
        """True when this library is ``other`` or lies below it."""
        return self.path.startswith(other.path)


class IPRange(models.Model):
    """A CIDR block of a library's network (the provincial VPN IP plans are the model).

    ``first`` and ``last`` are the block's bounds as 32-digit hex strings, so overlap checks
    are plain indexed comparisons for IPv4 and IPv6 on every database.
    """

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="ip_ranges")
    cidr = models.CharField(max_length=64, unique=True)
    version = models.PositiveSmallIntegerField()
    first = models.CharField(max_length=32, db_index=True)
    last = models.CharField(max_length=32, db_index=True)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["first"]
        verbose_name = _("IP range")

    def __str__(self) -> str:
        return self.cidr


class Domain(models.Model):
    """A host name serving a library's branch site."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="domains")
    host = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["host"]

    def __str__(self) -> str:
        return self.host


class Admission(models.Model):
    """A library's application to join the network and its parent's decision (入网审批)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="admissions")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-applied_at"]

    def __str__(self) -> str:
        return f"{self.library_id} {self.outcome}"
