"""``shuxiang federation join|approve|refuse|revoke|status|sync|keys``: this node in the network.

Acts as the node itself unless ``--as USERNAME`` names an administrator. ``sync`` runs the
steps other federation parts register (``shuxiang.federation.sync``) with progress bars.
"""

from __future__ import annotations

import json

from tqdm import tqdm

from shuxiang.core.commands import ActionCommand
from shuxiang.federation import joining, keys, permissions, pid_cli, queries, services, sync
from shuxiang.federation.models import Node


class Command(ActionCommand):
    help = "Join a parent node, decide child nodes' requests, show status, sync, manage keys."

    def add_arguments(self, parser):
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        join = sub.add_parser("join", help="Ask the parent node at URL to accept this node.")
        join.add_argument("parent_url")
        join.add_argument("--name", default="", help="This node's name (default NODE_NAME).")
        join.add_argument("--library", action="append", default=[], help="Subtree root code.")
        for name, text in (("approve", "Approve"), ("refuse", "Refuse"), ("revoke", "Revoke")):
            action = sub.add_parser(name, help=f"{text} a child node (id, name or URL).")
            action.add_argument("node")
            if name != "approve":
                action.add_argument("--reason", required=True)
        status = sub.add_parser("status", help="Peer nodes (and this node's key).")
        status.add_argument("--refresh", action="store_true", help="Ask the parent first.")
        status.add_argument("--json", action="store_true")
        run = sub.add_parser("sync", help="Run the registered sync steps now.")
        run.add_argument("nodes", nargs="*", help="Nodes to sync (default: all approved).")
        run.add_argument("--step", action="append", default=[], help="Only this step.")
        key = sub.add_parser("keys", help="Show this node's keys, or rotate them.")
        key.add_argument("what", nargs="?", choices=["show", "rotate"], default="show")
        pid_cli.add_subcommands(sub)  # fed-ids: delegate, delegations, report-identifiers

    def run_action(self, action: str, actor, options: dict) -> None:
        HANDLERS[action](self, actor, **options)

    def out(self, text: str) -> None:
        self.stdout.write(text)


def do_join(cmd, actor, *, parent_url, name, library, **_):
    node = joining.request_join(parent_url, by=actor, name=name, codes=library)
    cmd.out(f"{node.base_url}\t{node.status}\tkey {keys.own_key().key_id}")


def _decide(decision):
    def handler(cmd, actor, *, node, reason=None, **_):
        target = services.find_node(node, Node.Relation.CHILD)
        args = () if reason is None else (reason,)
        done = decision(target, *args, by=actor)
        cmd.out(f"{done.name}\t{done.base_url}\t{done.status}")

    return handler


def _node_row(node: Node) -> dict:
    return {
        "id": node.pk, "name": node.name, "base_url": node.base_url,
        "relation": node.relation, "status": node.status, "reason": node.reason,
        "last_seen": node.last_seen.isoformat() if node.last_seen else None,
        "last_sync": node.last_sync.isoformat() if node.last_sync else None,
        "last_error": node.last_error, "keys": queries.active_keys(node),
        "libraries": list(node.hosted.values_list("library__code", flat=True)),
    }  # fmt: skip


def do_status(cmd, actor, *, refresh, json: bool = False, **_):
    if refresh:
        joining.refresh_parent(by=actor)
    rows = [_node_row(n) for n in queries.nodes(actor)]
    if json:
        own = keys.own_key()
        doc = {"key_id": own.key_id, "public_key": own.public_key_b64, "nodes": rows}
        cmd.out(_json.dumps(doc, ensure_ascii=False, indent=1))
        return
    cmd.out(f"this node\tkey {keys.own_key().key_id}")
    for row in rows:
        seen = row["last_seen"] or "never"
        cmd.out(f"{row['id']}\t{row['relation']}\t{row['status']}\t{row['name']}\t"
                f"{row['base_url']}\tseen {seen}\t{row['last_error'][:80]}")  # fmt: skip


def do_sync(cmd, actor, *, nodes, step, **_):
    permissions.require_manage(actor)
    targets = [services.find_node(ref) for ref in nodes] or list(
        Node.objects.filter(status=Node.Status.APPROVED)
    )
    if not targets:
        cmd.out("no approved peer node to sync")
    for node in targets:
        factory = lambda name, node=node: tqdm(desc=f"{node.name} {name}", unit="rec")  # noqa: E731
        results = sync.run(node, only=step or None, progress_factory=factory)
        for name, summary in results.items():
            cmd.out(f"{node.name}\t{name}\t{summary}")
        if not results:
            cmd.out(f"{node.name}\tno sync step registered")


def do_keys(cmd, actor, *, what, **_):
    permissions.require_manage(actor)
    if what == "rotate":
        new, results = joining.rotate_keys(by=actor)
        for url, outcome in results.items():
            cmd.out(f"announced to {url}: {outcome}")
    for key in keys.own_keys():
        retires = key.retires.isoformat() if key.retires else "current"
        cmd.out(f"{key.key_id}\t{key.public_key_b64}\t{retires}")


_json = json
HANDLERS = {
    "join": do_join,
    "approve": _decide(services.approve),
    "refuse": _decide(services.refuse),
    "revoke": _decide(services.revoke),
    "status": do_status,
    "sync": do_sync,
    "keys": do_keys,
    "delegate": pid_cli.do_delegate,
    "revoke-prefix": pid_cli.do_revoke_prefix,
    "delegations": pid_cli.do_delegations,
    "report-identifiers": pid_cli.do_report_identifiers,
}
