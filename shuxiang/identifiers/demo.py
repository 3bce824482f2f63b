"""Demo identifiers: each demo library's page registered as a resource, so a newcomer can
click ``/id/sx.330600/library-page`` and be redirected, see a JSON record and a tombstone.

Idempotent: each demo resource has a fixed fingerprint, and registering it again updates it.
The served URLs point at the node's base URL: ``SHUXIANG_BASE_URL``, else the address
``shuxiang demo`` serves.
"""

from __future__ import annotations

import hashlib

from django.db import transaction

from shuxiang.core.actors import SYSTEM
from shuxiang.core.http import base_url
from shuxiang.identifiers import services
from shuxiang.identifiers.models import Identifier
from shuxiang.network.models import Library

DEMO_LIBRARIES = ("NLC", "330000", "330600", "330681", "620000")
RIGHTS = "本馆自建资源，版权归本馆所有"


def _fingerprint(text: str) -> str:
    return hashlib.sha256(f"shuxiang-demo:{text}".encode()).hexdigest()


@transaction.atomic
def load_demo_identifiers() -> list[str]:
    """Register the demo identifiers (and one withdrawn example); return their names."""
    registered, base = [], base_url()
    for library in Library.objects.filter(code__in=DEMO_LIBRARIES):
        identifier = services.register_for_resource(
            library=library,
            location=f"{base}/network/{library.code}/",
            metadata={"title": f"{library.name}馆情介绍", "creator": library.name, "date": "2026"},
            rights=RIGHTS,
            fingerprint=_fingerprint(library.code),
            suffix="library-page",
            resource_type="webpage",
            by=SYSTEM,
        )
        registered.append(identifier.name)
    zj = Library.objects.filter(code="330000").first()
    if zj is not None:
        registered.append(_withdrawn_example(zj, base))
    return registered


def _withdrawn_example(library: Library, base: str) -> str:
    existing = Identifier.objects.filter(library=library, suffix="old-portal").first()
    if existing is not None:
        return existing.name
    identifier = services.register_for_resource(
        library=library,
        location=f"{base}/network/",
        metadata={"title": "浙江省公共图书馆数字资源服务门户（旧版）", "date": "2012"},
        rights=RIGHTS,
        fingerprint=_fingerprint("old-portal"),
        suffix="old-portal",
        resource_type="webpage",
        by=SYSTEM,
    )
    services.withdraw(identifier.name, by=SYSTEM, reason="旧版门户已停止服务，由新门户取代。")
    return identifier.name
