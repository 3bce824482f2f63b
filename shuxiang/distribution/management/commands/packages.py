"""``shuxiang packages create|list|build|export|import|verify|push|pull|status``: resource
packages (资源推送).

create LIBRARY CODE --title T [--collection LIBRARY/CODE]... [--type T]... [--query Q]
       [--resource ID]... [--note TYPE=TEXT]...
    Define a package: the resources matching the collections, types and query, plus those
    picked by id.
list [LIBRARY]
    Packages with their versions, and the packages each library imported.
build LIBRARY/CODE [--delta-from N] [--full N]
    Build the next version as a bag (a delta against version N with --delta-from); --full N
    builds a full bag of version N (built as a delta).
export LIBRARY/CODE --to FOLDER [--version N] [--delta-from M]
    Write a version's bag (default: the latest full one) into a folder or mounted drive.
import BAG --into LIBRARY [--as USERNAME]
    Verify the whole bag, then import it (a killed import resumes; a second does nothing).
verify BAG
    Verify a bag: declaration, bag-info, manifests, tag manifest, signature and checksums.
push LIBRARY/CODE --to CODE... [--version N [--delta-from M]]
    Offer a package to libraries below its library (network push down the tree).
pull [--from URL --token T] [--bandwidth 20M] [--window 22:00-06:00] [--no-poll]
    At a receiving node: fetch the parent's offers and pull, verify and import each.
status LIBRARY/CODE [--within CODE] [--all]
    Deployment status over the subtree, with coverage per level.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError
from shuxiang.distribution import bagcheck, push_commands, services
from shuxiang.distribution.models import ImportedPackage, Package, PackageVersion
from shuxiang.network.models import Library


def library_of(code: str) -> Library:
    found = Library.objects.filter(code=code.upper()).first()
    if found is None:
        raise CommandError(f"no library {code!r}")
    return found


def package_of(spec: str) -> Package:
    code, _slash, name = spec.partition("/")
    found = Package.objects.filter(library__code=code.upper(), code=name).first()
    if found is None:
        raise CommandError(f"no package {spec!r} (use LIBRARY/CODE)")
    return found


def bar(total: int | None, label: str, quiet: bool) -> tqdm:
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                disable=quiet)  # fmt: skip


class Command(BaseCommand):
    help = __doc__.strip().splitlines()[0]

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="define a package")
        create.add_argument("library")
        create.add_argument("code")
        create.add_argument("--title", required=True)
        create.add_argument("--collection", action="append", default=[])
        create.add_argument("--type", action="append", default=[])
        create.add_argument("--query", default="")
        create.add_argument("--resource", action="append", type=int, default=[])
        create.add_argument("--note", action="append", default=[], help="TYPE=description")
        listing = sub.add_parser("list", help="packages, versions and imports")
        listing.add_argument("library", nargs="?")
        build = sub.add_parser("build", help="build the next version as a bag")
        build.add_argument("package", help="LIBRARY/CODE")
        build.add_argument("--delta-from", type=int)
        build.add_argument("--full", type=int, help="a full bag of this version")
        export = sub.add_parser("export", help="write a version's bag into a folder")
        export.add_argument("package", help="LIBRARY/CODE")
        export.add_argument("--to", required=True)
        export.add_argument("--version", type=int)
        export.add_argument("--delta-from", type=int)
        importing = sub.add_parser("import", help="verify and import a bag")
        importing.add_argument("bag")
        importing.add_argument("--into", required=True, help="library code")
        importing.add_argument("--as", dest="username")
        verify = sub.add_parser("verify", help="verify a bag")
        verify.add_argument("bag")
        for parser_ in (build, export, importing, verify):
            parser_.add_argument("--no-progress", action="store_true")
        push_commands.add_parsers(sub)

    def handle(self, *args, action, **options):
        try:
            if action in push_commands.VERBS:
                return push_commands.handle(self, action, SYSTEM, options)
            return getattr(self, f"do_{action}")(**options)
        except ServiceError as exc:
            for error in exc.errors:
                self.stderr.write(f"{error.field}: {error.reason} ({error.code})")
            raise CommandError(exc.message) from exc

    def do_create(self, library, code, title, collection, type, query, resource, note, **_):
        from shuxiang.resources.models import Collection

        ids = []
        for spec in collection:
            owner, _slash, name = spec.partition("/")
            found = Collection.objects.filter(library__code=owner.upper(), code=name).first()
            if found is None:
                raise CommandError(f"--collection: no collection {spec!r} (LIBRARY/CODE)")
            ids.append(found.pk)
        notes = dict(item.split("=", 1) for item in note if "=" in item)
        rule = {"collections": ids, "types": type, "query": query, "resources": resource}
        package = services.create_package(
            library_of(library), {"code": code, "title": title, "rule": rule, "notes": notes},
            by=SYSTEM,
        )  # fmt: skip
        count = services.selection.resources_of(package).count()
        self.stdout.write(f"package {package.library.code}/{package.code}: {count} resources")

    def do_list(self, library=None, **_):
        packages = Package.objects.select_related("library")
        imported = ImportedPackage.objects.select_related("library")
        if library:
            packages = packages.filter(library__code=library.upper())
            imported = imported.filter(library__code=library.upper())
        for package in packages:
            self.stdout.write(f"{package.library.code}/{package.code}  {package.title}")
            for version in package.versions.select_related("base_version"):
                self.stdout.write(
                    f"  {version}  {version.state}  {version.payload_bytes} bytes  "
                    f"{version.file_count} files  {version.bag_path}"
                )
        for held in imported:
            self.stdout.write(f"{held.library.code} holds {held.external_id} v{held.version}")

    def do_build(self, package, delta_from=None, full=None, no_progress=False, **_):
        chosen = package_of(package)
        with bar(None, "build", no_progress) as progress:
            if full is not None:
                version = services.full_bag(
                    services.get_version(chosen, full, None, any_kind=True), by=SYSTEM,
                    progress=progress.update,
                )  # fmt: skip
            else:
                version = services.build_version(
                    chosen, by=SYSTEM, delta_from=delta_from, progress=progress.update
                )
        self.stdout.write(f"built {version}: {version.oxum} at {version.bag_path}")

    def do_export(self, package, to, version=None, delta_from=None, no_progress=False, **_):
        chosen = package_of(package)
        if version is None:
            latest = chosen.versions.filter(
                base_version=None, state=PackageVersion.State.BUILT
            ).first()
            if latest is None:
                raise CommandError("no full version is built; run `packages build` first")
            version = latest.number
        found = services.get_version(chosen, version, delta_from)
        with bar(found.payload_bytes, "export", no_progress) as progress:
            bag = services.export_version(found, Path(to), by=SYSTEM, progress=progress.update)
        self.stdout.write(f"exported {found} to {bag}")

    def do_import(self, bag, into, username=None, no_progress=False, **_):
        actor = SYSTEM
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"--as: no user {username!r}")
        with bar(bagcheck.announced_size(Path(bag)), "import", no_progress) as progress:
            result = bagcheck.import_bag(Path(bag), library_of(into), by=actor,
                                     progress=progress.update)  # fmt: skip
        if result.already:
            self.stdout.write(f"{result.run.external_id} v{result.run.number} is already "
                              f"imported into {into}: nothing changed")  # fmt: skip
            return
        self.stdout.write(
            f"imported {result.run.external_id} v{result.run.number} into {into}: "
            f"{result.created} added, {result.updated} updated, {result.removed} removed"
        )

    def do_verify(self, bag, no_progress=False, **_):
        with bar(bagcheck.announced_size(Path(bag)), "verify", no_progress) as progress:
            report = bagcheck.verify_bag(Path(bag), progress.update)
        self.stdout.write(
            f"valid: {report.external_id} v{report.number}"
            + (f" (delta from v{report.base_number})" if report.base_number else "")
            + f", {len(report.payload)} files, {report.payload_bytes} bytes, "
            f"signed by {report.key_id}"
        )
