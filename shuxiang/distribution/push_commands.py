"""The network-push verbs of ``shuxiang packages``: ``push``, ``pull`` and ``status``.

    shuxiang packages push LIBRARY/PACKAGE --to 330000 620000 [--version N [--delta-from M]]
    shuxiang packages pull [--from URL --token T] [--bandwidth 20M] [--window 22:00-06:00]
    shuxiang packages status LIBRARY/PACKAGE [--within CODE] [--all]

``push`` offers a package to libraries below its library; ``pull`` (at the receiving node)
asks the parent for offers and runs every waiting transfer to its end with a progress bar;
``status`` prints coverage per level and each library's deployment. The ``packages`` command
adds these with ``add_parsers`` and hands them to ``handle``.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from tqdm import tqdm

from shuxiang.distribution import deployments, receiving
from shuxiang.distribution.models import Package, PackageVersion, Transfer

VERBS = ("push", "pull", "status")


def add_parsers(sub) -> None:
    push = sub.add_parser("push", help="Offer a package to libraries below its library.")
    push.add_argument("package", help="LIBRARY/CODE of the package, e.g. NLC/classics.")
    push.add_argument("--to", nargs="+", required=True, help="Library codes to offer it to.")
    push.add_argument("--version", type=int, help="Version number (default: what each needs).")
    push.add_argument("--delta-from", type=int, help="With --version: the delta from this one.")
    pull = sub.add_parser("pull", help="Fetch offers from the parent node and pull them.")
    pull.add_argument("--from", dest="parent", default="", help="Parent node URL.")
    pull.add_argument("--token", default="", help="API token of this node's staff there.")
    pull.add_argument("--bandwidth", default=None, help="Rate in bits/s, e.g. 20M.")
    pull.add_argument("--window", default=None, help="Daily hours to run, e.g. 22:00-06:00.")
    pull.add_argument("--no-poll", action="store_true", help="Only resume known transfers.")
    status = sub.add_parser("status", help="Deployment status of a package over the subtree.")
    status.add_argument("package", help="LIBRARY/CODE of the package.")
    status.add_argument("--within", default="", help="Only this library's subtree.")
    status.add_argument("--all", action="store_true", help="Also libraries not offered it.")


def _package(text: str) -> Package:
    library, _sep, code = text.partition("/")
    found = Package.objects.filter(library__code=library, code=code).first()
    if found is None:
        raise CommandError(f"No package {text!r} (give LIBRARY/CODE).")
    return found


def handle(command, action: str, actor, options: dict) -> None:
    {"push": do_push, "pull": do_pull, "status": do_status}[action](command, actor, options)


def do_push(command, actor, options: dict) -> None:
    package = _package(options["package"])
    version = None
    if options.get("version"):
        query = PackageVersion.objects.filter(package=package, number=options["version"])
        delta = options.get("delta_from")
        query = query.filter(base_version__number=delta) if delta else query.filter(
            base_version=None
        )  # fmt: skip
        version = query.first()
        if version is None:
            raise CommandError("The package has no such version.")
    rows = deployments.push(package, options["to"], by=actor, version=version)
    for row in rows:
        command.stdout.write(f"{row.library.code}\toffered v{row.version.number}")


def do_pull(command, actor, options: dict) -> None:
    if not options.get("no_poll"):
        found = receiving.poll(by=actor, parent=options["parent"], token=options["token"])
        command.stdout.write(f"{len(found)} offers")
    waiting = Transfer.objects.exclude(state=Transfer.State.IMPORTED).select_related("library")
    for row in waiting.order_by("created_at", "id"):
        _run_one(command, actor, row, options)


def _run_one(command, actor, row: Transfer, options: dict) -> None:
    bar = tqdm(total=row.total_bytes or None, unit="B", unit_scale=True, desc=row.code)
    bar.n = row.done_bytes

    def progress(p) -> None:
        bar.total = p.total_bytes or bar.total
        bar.update(p.done_bytes - bar.n)

    try:
        row = receiving.run_transfer(
            row, by=actor, progress=progress,
            bandwidth=options.get("bandwidth"), window=options.get("window"),
        )  # fmt: skip
    finally:
        bar.close()
    reason = f"\t{row.reason}" if row.reason else ""
    command.stdout.write(f"{row.code} v{row.number}\t{row.state}{reason}")


def do_status(command, actor, options: dict) -> None:
    package = _package(options["package"])
    within = None
    if options.get("within"):
        from shuxiang.network.models import Library

        within = Library.objects.filter(code=options["within"]).first()
        if within is None:
            raise CommandError(f"No library has the code {options['within']!r}.")
    rows = deployments.status(package, by=actor, within=within)
    for figure in deployments.coverage(rows):
        command.stdout.write(
            f"{figure['level']}\t{figure['reached']}/{figure['total']} reached\t"
            f"{figure['current']} on the newest version"
        )
    for row in rows:
        if row.deployment is None and not options.get("all"):
            continue
        d = row.deployment
        held = f"v{d.held}" if d and d.held else "-"
        offered = f"v{d.version.number}" if d else "-"
        progress = f"{row.progress}%" if row.progress is not None else ""
        reason = d.reason if d else ""
        command.stdout.write(
            f"{row.library.code}\t{row.state or 'not offered'}\toffered {offered}\t"
            f"holds {held}\t{progress}\t{reason}".rstrip()
        )
