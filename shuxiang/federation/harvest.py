"""Metadata flows up (元数据汇聚): the parent harvests each approved child's records.

Each approved child is a catalog source (kind ``node``, key ``node-<id>``) harvested by the
catalog's harvester in the native format from the child's signed ``/federation/peer/oai``
(every request signed with this node's key; see ``peer_oai``): incrementally from the last
complete datestamp, resumably (a page's token is saved only with its records), pages stored in
bulk (``catalog.bulkstore``). Records keep their library, access policy, holding node and their
page there; records with the same work key, from any node, cluster into one work; tombstones
propagate. Runs as the ``harvest`` sync step (``shuxiang federation sync``, "sync now") and on
a schedule (``tasks.harvest_children``).
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from shuxiang.catalog.models import Source
from shuxiang.catalog.oai.harvester import Harvester, HarvestReport
from shuxiang.core.errors import ValidationFailed
from shuxiang.federation import sync
from shuxiang.federation.models import Node
from shuxiang.federation.signing import peer_session

log = logging.getLogger("shuxiang.federation")
PEER_OAI_PATH = "/federation/peer/oai"


def source_for(node: Node) -> Source:
    """The catalog source of ``node``'s records (created on first use, URL kept current)."""
    url = node.base_url.rstrip("/") + PEER_OAI_PATH
    source, created = Source.objects.get_or_create(
        key=f"node-{node.pk}",
        defaults={"name": node.name[:200], "kind": Source.Kind.NODE, "base_url": url,
                  "metadata_prefix": "shuxiang"},  # fmt: skip
    )
    if not created and (source.base_url != url or source.name != node.name[:200]):
        source.base_url, source.name = url, node.name[:200]
        source.save(update_fields=["base_url", "name"])
    return source


def harvest_node(node: Node, progress=None) -> HarvestReport:
    """Harvest an approved child's new, changed and deleted records now."""
    if node.relation != Node.Relation.CHILD or node.status != Node.Status.APPROVED:
        raise ValidationFailed.single(
            "node", _("Only approved child nodes are harvested; %(name)s is not one.")
            % {"name": node.name}, "not_child",
        )  # fmt: skip
    report = Harvester(source_for(node), session=peer_session(node), progress=progress).run()
    log.info("harvested %s: %d stored, %d deleted, %d failed", node.name,
             report.stored, report.deleted, report.failed)  # fmt: skip
    return report


def harvest_step(node: Node, bar=None) -> str:
    """The ``harvest`` sync step: a one-line summary for the CLI and the job log."""

    def on_page(records: int, total: int | None) -> None:
        if total and bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(records)

    report = harvest_node(node, progress=on_page if bar is not None else None)
    return f"{report.stored} stored, {report.deleted} deleted, {report.failed} failed"


def harvest_children() -> dict[str, str]:
    """Harvest every approved child (the schedule); {node name: summary or error}."""
    results = {}
    for node in Node.objects.approved_children():
        try:
            results[node.name] = harvest_step(node)
        except Exception as exc:  # one unreachable child does not stop the others
            log.exception("scheduled harvest of %s failed", node.name)
            results[node.name] = f"error: {exc}"
    return results


sync.register("harvest", harvest_step, direction="children")
