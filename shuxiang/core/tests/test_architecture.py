"""Rules of the code base that a reviewer would otherwise have to remember.

- Only the network app turns a library into a path filter or reads who holds a staff role;
  every other module asks the scope seam (``shuxiang.network.scopes``), so each rule is written
  once.
- Every package of ``shuxiang`` is placed in the import-layer contract that ``lint-imports``
  checks in scripts/test (an unplaced package would escape it).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
ROOT = PACKAGE.parent

# An ORM lookup on the materialized path other than equality (library__path__startswith,
# path__contains, ...), a Python prefix test on a library's path, or SQL LIKE on it.
PATH_FILTER = re.compile(
    r"(?:\b|__)path__(?!exact\b|in\b)[a-z]+\b"
    r"|\b(?!request\b|self\b|url\b)\w+\.path\.startswith\("
    r"|\.startswith\(\s*[\w.]+\.path\b"
    r"|\bpath\"?\s+(?:I?LIKE|GLOB)\b",
    re.IGNORECASE,
)


# Reading roles: a lookup through the role relation, or a query on the role table.
ROLE_READ = re.compile(
    r"staff_roles__|\.staff_roles\.|StaffRole\.objects\.(?!create\b|get_or_create\b)"
)


def outside_network(
    pattern: re.Pattern, suffixes: tuple[str, ...] = (".py",), *, tests: bool = True
) -> list[str]:
    found = []
    for source in sorted(PACKAGE.rglob("*")):
        relative = source.relative_to(ROOT)
        if source.suffix not in suffixes or relative.parts[:2] == ("shuxiang", "network"):
            continue
        if not tests and "tests" in relative.parts:
            continue
        if source == Path(__file__).resolve():
            continue
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def path_filters_outside_network() -> list[str]:
    return outside_network(PATH_FILTER)


def test_no_module_outside_the_network_app_filters_on_the_library_path():
    found = path_filters_outside_network()
    assert not found, "Use shuxiang.network.scopes.in_subtree / in_scope instead:\n" + "\n".join(
        found
    )


def test_no_module_or_template_outside_the_network_app_reads_staff_roles():
    # Tests may check which roles exist (e.g. that a staff role never crosses nodes).
    found = outside_network(ROLE_READ, (".py", ".html"), tests=False)
    assert not found, "Use shuxiang.network.scopes.libraries / covers instead:\n" + "\n".join(found)


def test_the_role_rule_recognises_reads_and_lets_grants_through():
    assert ROLE_READ.search("Library.objects.filter(staff_roles__user=actor).distinct()")
    assert ROLE_READ.search("{% if user.staff_roles.exists %}")
    assert ROLE_READ.search("StaffRole.objects.filter(user=user).exists()")
    assert not ROLE_READ.search("StaffRole.objects.create(user=person, library=library)")
    assert not ROLE_READ.search("StaffRole.objects.get_or_create(user=user, library=library)")


def test_the_path_filter_rule_recognises_each_spelling():
    caught = [
        "Q(library__path__startswith=scope.path)",
        '{"home_library__path__startswith": library.path}',
        'Library.objects.filter(path__contains=f"/{code}/")',
        "if any(path.startswith(s.path) for s in scopes):",
        "any(library.path.startswith(prefix) for prefix in prefixes)",
        'cursor.execute("SELECT id FROM network_library WHERE path LIKE %s", [prefix])',
    ]
    allowed = [
        "if request.path.startswith('/api/'):",
        'if url.path.startswith("/article/"):',  # a URL's path, not a library's
        'if not path.startswith("/") or path.startswith("//"):',
        "Library.objects.filter(path__in=paths)",
        "Library.objects.filter(in_subtree('', library))",
    ]
    assert all(PATH_FILTER.search(line) for line in caught)
    assert not any(PATH_FILTER.search(line) for line in allowed)


def _contract_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")[
        "layers"
    ]
    return {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}


def test_every_package_and_top_module_is_placed_in_the_import_layers():
    present = {f"shuxiang.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    present |= {f"shuxiang.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    missing = present - _contract_modules()
    assert not missing, f"Place {sorted(missing)} in [tool.importlinter] layers (pyproject.toml)."


def test_core_is_the_bottom_layer_with_network_right_above_it():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")[
        "layers"
    ]
    assert layers[-2:] == ["shuxiang.network", "shuxiang.core"]
