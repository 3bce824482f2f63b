"""Validating JSON against the official COUNTER 5.1 schemas shipped in ``schemas/``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

SPEC = Path(__file__).with_name("schemas") / "COUNTER_SUSHI_API.json"


@lru_cache(maxsize=1)
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = json.loads(SPEC.read_text())
    # Published correction (Project-Counter/cop5 #293, fixed by #295): the Code of Practice,
    # the version of record, spells the Granularity value "Totals"; the 5.1 file said "Total".
    granularity = spec["components"]["schemas"]["Granularity_Attribute"]["properties"]
    granularity["Granularity"]["enum"] = ["Month", "Totals"]
    return spec, Registry().with_resource(
        "urn:counter", Resource.from_contents(spec, default_specification=DRAFT202012)
    )


def errors(document, schema: str) -> list[str]:
    """Messages for every way ``document`` breaks schema ``schema`` (a components/schemas
    name like ``PR`` or ``Exception_3030``, or ``responses/200_Status``)."""
    from jsonschema import Draft202012Validator

    spec, registry = _registry()
    if schema.startswith("responses/"):
        target = spec["components"]["responses"][schema.split("/", 1)[1]]
        ref = {"$ref": "urn:counter#/components/responses/" + schema.split("/", 1)[1]}
        ref = target["content"]["application/json"]["schema"]
        ref = json.loads(json.dumps(ref).replace('"#/', '"urn:counter#/'))
    else:
        ref = {"$ref": f"urn:counter#/components/schemas/{schema}"}
    validator = Draft202012Validator(ref, registry=registry)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]
