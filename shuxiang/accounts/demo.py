"""Demo staff accounts, one per tier, each scoped to its library's subtree."""

from __future__ import annotations

from django.db import transaction

from shuxiang.accounts.models import StaffRole, User
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
    return logins
