"""Distribution of central-repository resources to branch libraries (资源下发).

A distributed resource is served to the branch library's readers and network as if it were the
branch's own (access policies "readers of this library" and "network" widen to the branch).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import Actor
from shuxiang.core.errors import Conflict, FieldError, ValidationFailed
from shuxiang.network.models import Library
from shuxiang.resources import permissions
from shuxiang.resources.models import Collection, Distribution, Resource


@transaction.atomic
def distribute(resource: Resource, codes: Iterable[str], *, by: Actor) -> list[Distribution]:
    """Distribute a central resource to the libraries with ``codes`` (below its owner)."""
    resource = Resource.objects.select_related("library", "collection").get(pk=resource.pk)
    permissions.require_admin_of(by, resource.library, action=_("distribute resources of"))
    if resource.collection.kind != Collection.Kind.CENTRAL:
        raise Conflict.single(
            "collection",
            _("Only resources of a central repository are distributed."),
            "not_central",
        )
    targets = _targets(resource.library, list(codes))
    made = []
    for library in targets:
        distribution, created = Distribution.objects.get_or_create(
            resource=resource, library=library
        )
        if created:
            made.append(distribution)
    audit.record(by, "resources.distribute", resource, libraries=[t.code for t in targets])
    return made


def _targets(owner: Library, codes: list[str]) -> list[Library]:
    wanted = [c.strip().upper() for c in codes if c.strip()]
    if not wanted:
        raise ValidationFailed.single("libraries", _("Name at least one library."), "required")
    found = {lib.code: lib for lib in Library.objects.filter(code__in=wanted)}
    errors = []
    for index, code in enumerate(wanted):
        library = found.get(code)
        field = f"libraries.{index}"
        if library is None:
            errors.append(FieldError(field, _("No library has the code %s.") % code, "unknown"))
        elif library == owner or not library.in_subtree_of(owner):
            reason = _("%(name)s is not a branch below %(owner)s.") % {
                "name": library.name,
                "owner": owner.name,
            }
            errors.append(FieldError(field, reason, "outside"))
    if errors:
        raise ValidationFailed(_("Some libraries cannot receive this resource."), errors)
    return [found[c] for c in wanted]


@transaction.atomic
def recall(resource: Resource, code: str, *, by: Actor) -> None:
    """Stop serving a distributed resource at one branch library."""
    permissions.require_admin_of(by, resource.library, action=_("distribute resources of"))
    deleted, _rows = Distribution.objects.filter(resource=resource, library__code=code).delete()
    if not deleted:
        raise Conflict.single("library", _("The resource was not distributed there."))
    audit.record(by, "resources.recall", resource, library=code)
