"""``shuxiang federation delegate|revoke-prefix|delegations|report-identifiers``: prefixes.

The ``federation`` command adds these subcommands (``add_subcommands``) and dispatches to the
``do_*`` functions here, which call one service each and print one line per result. Like
``shuxiang pid``, they act as the node itself unless ``--as USERNAME`` is given.
"""

from __future__ import annotations

import sys

from shuxiang.federation import delegation, pid_reports, prefix_revocation
from shuxiang.identifiers import names


def add_subcommands(sub) -> None:
    grant = sub.add_parser("delegate", help="Delegate an identifier sub-prefix to a child node.")
    grant.add_argument("prefix", help="The sub-prefix, e.g. 33 (under the network root).")
    grant.add_argument("--node", required=True, help="The child node's name or base URL.")
    take = sub.add_parser("revoke-prefix", help="Revoke a sub-prefix delegated to a child node.")
    take.add_argument("prefix", help="The delegated sub-prefix, e.g. 33.")
    take.add_argument("--reason", required=True, help="Why (sent to the child node).")
    held = sub.add_parser("delegations", help="List prefixes delegated to and by this node.")
    held.add_argument("--pull", action="store_true", help="First ask the parent for ours.")
    sub.add_parser("report-identifiers", help="Send queued identifier changes to the parent now.")


def _line(row) -> str:
    arrow = "->" if row.direction == "granted" else "<-"
    line = f"{names.full_prefix(row.prefix)}\t{arrow} {row.node.name}\t{row.node.base_url}"
    return line + (f"\trevoked: {row.revoked_reason}" if row.revoked_at else "")


def do_delegate(command, actor, *, prefix: str, node: str, **_) -> None:
    row = delegation.delegate(prefix, delegation.child_node(node), by=actor)
    command.stdout.write(_line(row))


def do_revoke_prefix(command, actor, *, prefix: str, reason: str, **_) -> None:
    command.stdout.write(_line(prefix_revocation.revoke(prefix, reason, by=actor)))


def do_delegations(command, actor, *, pull: bool = False, **_) -> None:
    delegation.require_node_admin(actor)
    if pull:
        delegation.pull()
    for row in delegation.listing():
        command.stdout.write(_line(row))


def do_report_identifiers(command, actor, **_) -> None:
    from tqdm import tqdm

    delegation.require_node_admin(actor)
    total = pid_reports.queued()
    with tqdm(total=total, unit="change", disable=not sys.stderr.isatty()) as bar:
        accepted = pid_reports.send(progress=bar)
    command.stdout.write(f"{accepted} accepted, {pid_reports.queued()} still queued")
