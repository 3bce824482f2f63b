"""Demo staff accounts (one per tier, scoped to its library's subtree) and demo readers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from shuxiang.accounts import pii
from shuxiang.accounts.models import ReaderCard, StaffRole, User
from shuxiang.accounts.registration import register_quick, register_real_name
from shuxiang.accounts.resident_id import generate
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library

DEMO_PASSWORD = "demo2026"
DEMO_STAFF = [
    ("nlc_admin", "国家中心管理员", "NLC"),
    ("zj_admin", "浙江省馆管理员", "330000"),
    ("sx_admin", "绍兴市馆管理员", "330600"),
    ("zhuji_admin", "诸暨市馆管理员", "330681"),
    ("gs_admin", "甘肃省馆管理员", "620000"),
]


@transaction.atomic
def load_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo staff (idempotent); return (username, password, library) rows."""
    logins = []
    for username, display, code in DEMO_STAFF:
        library = Library.objects.get(code=code)
        user, created = User.objects.get_or_create(
            username=username, defaults={"display_name": display, "home_library": library}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        StaffRole.objects.get_or_create(user=user, library=library, role=StaffRole.Role.ADMIN)
        logins.append((username, DEMO_PASSWORD, library.name))
    return logins + load_demo_readers()


DEMO_READERS = [
    # (mobile, real name or "", birth date, card number); ID numbers are generated, nobody's.
    ("13800000001", "王小书", dt.date(1992, 4, 23), "ZJ000001"),
    ("13800000002", "", None, "ZJ000002"),
]


def load_demo_readers() -> list[tuple[str, str, str]]:
    """Demo readers of the Zhuji county library with reader cards (idempotent)."""
    library = Library.objects.filter(code="330681").first()
    if library is None:
        return []
    logins = []
    for index, (mobile, name, born, card) in enumerate(DEMO_READERS, start=1):
        user = User.objects.filter(mobile_hash=pii.lookup_hash(mobile)).first()
        if user is None and name:
            number = generate("330681", born, index * 2 + 1)
            user = register_real_name(
                name, number, DEMO_PASSWORD, mobile=mobile, library=library, by=SYSTEM
            )
        elif user is None:
            user = register_quick(mobile, DEMO_PASSWORD, library=library, by=SYSTEM)
        if not ReaderCard.objects.filter(library=library, number_hash=pii.lookup_hash(card)):
            ReaderCard.objects.create(library=library, number=card, user=user)
        logins.append((mobile, DEMO_PASSWORD, f"{library.name} ({card})"))
    return logins
