"""Talking to a Groonga HTTP server: commands, bulk loads and the search backend's schema.

Every web machine of a server-mode node uses the same Groonga server (``GROONGA_URL``), so
there is one index to keep in step, not one folder per machine. The schema is made on first
use (each object only when missing, so two processes starting together both succeed).
"""

from __future__ import annotations

import json
import threading

import requests

from shuxiang.core import options

TABLE = "Records"
TEXT_COLUMNS = {"title": "Text", "creator": "Text", "subject": "Text", "body": "LongText"}
KEY_COLUMNS = ("type", "library", "language", "collection", "access")  # scalar references
KEY_VECTORS = ("subjects", "ancestors")
# A record's scalar facet values together: the facets are counted by grouping the matches by
# this one column, then the (few) groups by each value (one pass over the matches, not five).
COMBO_COLUMNS = ("type", "library", "language", "collection", "year")
# ... and the combinations grouped once more without the year (a few hundred groups, against
# tens of thousands of combinations): each of these facets is counted over the groups.
GROUP_COLUMNS = ("type", "library", "language", "collection")
NO_YEAR_LOW = -100_000  # ``year`` of a record without one: last when sorting newest first
NO_YEAR_HIGH = 100_000  # ``year_up``: last when sorting oldest first
NO_TITLE = "\uffff"  # ``sort_title`` of a record without a title: last by title
TIMEOUT = 60.0


def schema() -> list[tuple[str, dict]]:
    """The commands that make the tables: records keyed by id, their analyzed text under one
    whitespace (TokenDelimit) lexicon without normalizer (tokens match exactly, as on
    PostgreSQL's 'simple' configuration), facet values as references to an indexed key table,
    and titles in a patricia trie for prefix suggestions."""
    commands = [
        ("table_create", {"name": "Keys", "flags": "TABLE_HASH_KEY", "key_type": "ShortText"}),
        ("table_create", {"name": "Titles", "flags": "TABLE_PAT_KEY", "key_type": "ShortText"}),
        ("table_create", {"name": "Groups", "flags": "TABLE_HASH_KEY", "key_type": "ShortText"}),
        ("table_create", {"name": "Combos", "flags": "TABLE_HASH_KEY", "key_type": "ShortText"}),
        ("table_create", {"name": TABLE, "flags": "TABLE_HASH_KEY", "key_type": "UInt32"}),
    ]
    for table, names in (("Groups", GROUP_COLUMNS), ("Combos", (*COMBO_COLUMNS, "group"))):
        for name in names:
            kind = {"year": "Int32", "group": "Groups"}.get(name, "Keys")
            commands.append(
                (
                    "column_create",
                    {"table": table, "name": name, "flags": "COLUMN_SCALAR", "type": kind},
                )
            )

    def column(name: str, kind: str, flags: str = "COLUMN_SCALAR") -> None:
        commands.append(
            ("column_create", {"table": TABLE, "name": name, "flags": flags, "type": kind})
        )

    for name, kind in TEXT_COLUMNS.items():
        column(name, kind)
    for name in KEY_COLUMNS:
        column(name, "Keys")
    for name in KEY_VECTORS:
        column(name, "Keys", "COLUMN_VECTOR")
    for name, kind in (("year", "Int32"), ("year_up", "Int32"), ("work", "UInt32")):
        column(name, kind)
    column("sort_title", "ShortText")
    column("suggest", "Titles")
    column("combo", "Combos")
    commands.append(
        (
            "table_create",
            {
                "name": "Terms",
                "flags": "TABLE_PAT_KEY",
                "key_type": "ShortText",
                "default_tokenizer": "TokenDelimit",
            },
        )
    )
    for name in TEXT_COLUMNS:
        commands.append(_index("Terms", name, "COLUMN_INDEX|WITH_POSITION"))
    for name in (*KEY_COLUMNS, *KEY_VECTORS):
        commands.append(_index("Keys", name))
    commands.append(_index("Titles", "suggest"))
    commands.append(
        ("table_create", {"name": "Years", "flags": "TABLE_PAT_KEY", "key_type": "Int32"})
    )
    commands.append(_index("Years", "year"))
    return commands


def _index(lexicon: str, source: str, flags: str = "COLUMN_INDEX") -> tuple[str, dict]:
    name = f"{source}_index"
    return "column_create", {
        "table": lexicon,
        "name": name,
        "flags": flags,
        "type": TABLE,
        "source": source,
    }


class GroongaError(RuntimeError):
    """The Groonga server refused a command (its message is the error's text)."""


DEFAULT_URL = "http://127.0.0.1:10041"  # Groonga's own default HTTP port


class Client:
    """Kept-alive connections to the Groonga HTTP server (one session per thread)."""

    def __init__(self, url: str | None = None):
        self.url = (url or options.value("GROONGA_URL") or DEFAULT_URL).rstrip("/")
        self._local = threading.local()
        self._ready = False

    @property
    def http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def command(self, _command: str, **params):
        """Run one command; its body (command version 3 where it applies)."""
        response = self.http.get(f"{self.url}/d/{_command}", params=params, timeout=TIMEOUT)
        return self._body(response, _command)

    def load(self, rows: list[dict], table: str = TABLE) -> int:
        """Add or replace ``rows`` (keyed by ``_key``) in one request."""
        if not rows:
            return 0
        response = self.http.post(
            f"{self.url}/d/load",
            params={"table": table},
            data=json.dumps(rows, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
            timeout=TIMEOUT,
        )
        return int(self._body(response, "load"))

    def _body(self, response: requests.Response, name: str):
        data = response.json()
        if isinstance(data, dict):  # command version 3
            if data["header"]["return_code"] != 0:
                raise GroongaError(f"{name}: {data['header'].get('error', {}).get('message')}")
            return data.get("body")
        header, *body = data
        if header[0] != 0:
            raise GroongaError(f"{name}: {header[3] if len(header) > 3 else header}")
        return body[0] if body else None

    def ensure_schema(self) -> None:
        """Make the tables and columns that are missing (once per process); a database made
        before the ``Groups`` table has its combinations grouped once, here."""
        if self._ready:
            return
        made = set()
        for name, params in schema():
            target = (
                params["name"] if name == "table_create" else f"{params['table']}.{params['name']}"
            )
            if not self.command("object_exist", name=target):
                try:
                    self.command(name, **params)
                    made.add(target)
                except GroongaError:
                    if not self.command("object_exist", name=target):  # not another process
                        raise
        if "Combos.group" in made:
            self._group_combos()
        self._ready = True

    def _group_combos(self) -> None:
        found = self.command(
            "select", table="Combos", limit=-1, command_version=3,
            output_columns=",".join(["_key", *GROUP_COLUMNS]),
        )  # fmt: skip
        combos = [dict(zip(["_key", *GROUP_COLUMNS], row, strict=True)) for row in found["records"]]
        self.load(list({g["_key"]: g for g in map(group_of, combos)}.values()), "Groups")
        self.load([{"_key": c["_key"], "group": group_of(c)["_key"]} for c in combos], "Combos")


def group_of(combo: dict) -> dict:
    """The ``Groups`` row of a combination (a ``Combos`` row): its values but the year."""
    values = {name: combo[name] or "" for name in GROUP_COLUMNS}
    return {"_key": "\t".join(values.values()), **values}


def literal(text: str) -> str:
    """``text`` as a double-quoted string of Groonga's script and query syntaxes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
