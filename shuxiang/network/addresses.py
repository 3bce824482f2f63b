"""A library's network addresses: IP ranges (with overlap checks) and site domains."""

from __future__ import annotations

import ipaddress

from django.utils.translation import gettext as _

from shuxiang.core.errors import Conflict, FieldError
from shuxiang.network.models import Domain, IPRange, Library
from shuxiang.network.validation import bounds


def _nested_on_one_line(library: Library, network, other: IPRange, other_network) -> bool:
    """Overlap is allowed only for a block delegated down the tree (the VPN IP plan)."""
    other_library = other.library
    if network == other_network:
        return False
    if other_library.is_ancestor_of(library):
        return network.subnet_of(other_network)
    if library.is_ancestor_of(other_library):
        return other_network.subnet_of(network)
    return False


def overlap_errors(library: Library, items: list[dict]) -> list[FieldError]:
    """Errors for each new block that overlaps another library's block outside its line."""
    errors = []
    for index, item in enumerate(items):
        network = item["network"]
        first, last = bounds(network)
        clashes = (
            IPRange.objects.select_related("library")
            .filter(first__lte=last, last__gte=first)
            .exclude(library=library)
        )
        for other in clashes:
            other_network = ipaddress.ip_network(other.cidr)
            if not _nested_on_one_line(library, network, other, other_network):
                errors.append(
                    FieldError(
                        f"ip_ranges[{index}]",
                        _("%(cidr)s overlaps %(other)s, which belongs to %(name)s (%(code)s).")
                        % {
                            "cidr": network,
                            "other": other.cidr,
                            "name": other.library.name,
                            "code": other.library.code,
                        },
                        "overlap",
                    )
                )
    return errors


def replace_ip_ranges(library: Library, items: list[dict]) -> None:
    """Make ``items`` the library's IP ranges, refusing overlaps (nothing stored on error)."""
    errors = overlap_errors(library, items)
    if errors:
        raise Conflict(_("IP ranges overlap other libraries' networks."), errors)
    wanted = {str(item["network"]): item for item in items}
    library.ip_ranges.exclude(cidr__in=list(wanted)).delete()
    existing = set(library.ip_ranges.values_list("cidr", flat=True))
    for cidr, item in wanted.items():
        first, last = bounds(item["network"])
        if cidr in existing:
            library.ip_ranges.filter(cidr=cidr).update(label=item["label"])
        else:
            IPRange.objects.create(
                library=library,
                cidr=cidr,
                version=item["network"].version,
                first=first,
                last=last,
                label=item["label"],
            )


def replace_domains(library: Library, hosts: list[str]) -> None:
    """Make ``hosts`` the library's domains; a host served by another library is refused."""
    taken = Domain.objects.filter(host__in=hosts).exclude(library=library).select_related("library")
    errors = [
        FieldError(
            "domains",
            _("%(host)s already serves %(name)s.") % {"host": d.host, "name": d.library.name},
            "duplicate",
        )
        for d in taken
    ]
    if errors:
        raise Conflict(_("A domain is already in use."), errors)
    library.domains.exclude(host__in=hosts).delete()
    for host in hosts:
        Domain.objects.get_or_create(library=library, host=host)
