"""Backups and restore (备份与恢复): the database and the local media folder in one archive.

Embedded default: a consistent SQLite snapshot (SQLite's online backup API) plus ``media/``.
Server mode: ``pg_dump --format=custom`` of the PostgreSQL database plus ``media/`` when files
are kept locally. The archive's ``manifest.json`` records the mode, time and applied migrations;
restore refuses an archive of another mode or a newer schema, and replaces data atomically.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from shuxiang.core.errors import ValidationFailed

FORMAT_VERSION = 1


@dataclass
class BackupResult:
    path: Path
    mode: str
    size: int


def _mode() -> str:
    return "postgresql" if settings.SERVER_MODE else "sqlite"


def _applied_migrations() -> list[str]:
    rows = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in rows)


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = [
        "--host",
        str(db.get("HOST") or "localhost"),
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        str(db.get("USER") or "postgres"),
        "--dbname",
        str(db["NAME"]),
    ]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _dump_database(target: Path) -> None:
    if settings.SERVER_MODE:
        args, env = _pg_env()
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args],
            check=True,
            env=env,
            capture_output=True,
        )
        return
    connection.ensure_connection()
    with sqlite3.connect(target) as destination:
        connection.connection.backup(destination)


def create_backup(output: Path | None = None) -> BackupResult:
    """Write a backup archive and return where it is; the node keeps serving meanwhile."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    output = output or settings.DATA_DIR / "backups" / f"shuxiang-{stamp}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        database = Path(work) / ("database.pgdump" if settings.SERVER_MODE else "database.sqlite3")
        _dump_database(database)
        manifest = {
            "format": FORMAT_VERSION,
            "mode": _mode(),
            "created": stamp,
            "database": database.name,
            "migrations": _applied_migrations(),
        }
        (Path(work) / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial = output.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(Path(work) / "manifest.json", "manifest.json")
            archive.add(database, database.name)
            if settings.MEDIA_ROOT.exists():
                archive.add(settings.MEDIA_ROOT, "media")
        os.replace(partial, output)
    return BackupResult(output, manifest["mode"], output.stat().st_size)


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.extractfile("manifest.json")
        manifest = json.load(member) if member else None
    except (KeyError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise ValidationFailed.single(
            "archive", "not a Shuxiang backup (manifest.json missing or of an unknown format)"
        )
    return manifest


def _check_compatible(manifest: dict) -> None:
    if manifest["mode"] != _mode():
        raise ValidationFailed.single(
            "archive",
            f"this backup is of a {manifest['mode']} node; this node runs on "
            f"{_mode()}. Restore it into a node of the same mode.",
            "wrong_mode",
        )
    unknown = set(manifest["migrations"]) - set(_known_migrations())
    if unknown:
        raise ValidationFailed.single(
            "archive",
            f"the backup has a newer schema ({sorted(unknown)[0]} …); upgrade Shuxiang first.",
            "newer_schema",
        )


def _known_migrations() -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    return [f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations]


def restore_backup(path: Path) -> dict:
    """Replace the database and media with the archive's; return its manifest."""
    if not path.is_file():
        raise ValidationFailed.single("archive", f"{path} is not a readable file")
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as exc:
        raise ValidationFailed.single("archive", f"{path} is not a backup archive: {exc}") from None
    with archive, tempfile.TemporaryDirectory(dir=settings.DATA_DIR) as work:
        manifest = _read_manifest(archive)
        _check_compatible(manifest)
        archive.extractall(work, filter="data")
        _restore_database(Path(work) / manifest["database"])
        _restore_media(Path(work) / "media")
    return manifest


def _restore_database(dump: Path) -> None:
    connection.close()
    if settings.SERVER_MODE:
        args, env = _pg_env()
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(dump),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        return
    with (
        sqlite3.connect(dump) as source,
        sqlite3.connect(settings.DATABASES["default"]["NAME"]) as live,
    ):
        source.backup(live)


def _restore_media(folder: Path) -> None:
    if not folder.exists():
        return
    old = settings.MEDIA_ROOT.with_name("media.before-restore")
    shutil.rmtree(old, ignore_errors=True)
    if settings.MEDIA_ROOT.exists():
        os.replace(settings.MEDIA_ROOT, old)
    shutil.copytree(folder, settings.MEDIA_ROOT)
    shutil.rmtree(old, ignore_errors=True)
