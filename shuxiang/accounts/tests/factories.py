"""Test people: readers and staff with roles scoped to a library subtree."""

from __future__ import annotations

import itertools

from shuxiang.accounts.models import StaffRole, User
from shuxiang.network.models import Library

_numbers = itertools.count(1)
PASSWORD = "test1234"


def user(username: str | None = None, **fields) -> User:
    """A person with the test password."""
    person = User.objects.create(username=username or f"user{next(_numbers)}", **fields)
    person.set_password(PASSWORD)
    person.save()
    return person


def admin_of(library: Library, username: str | None = None) -> User:
    """A staff member administering ``library`` and everything below it."""
    person = user(username or f"admin-{library.code.lower()}-{next(_numbers)}")
    StaffRole.objects.create(user=person, library=library, role=StaffRole.Role.ADMIN)
    return person


def id_number(division: str = "330681", born: str = "1990-05-17", sequence: int = 1) -> str:
    """A well-formed resident ID number made by the GB 11643-1999 algorithm (nobody's)."""
    import datetime as dt

    from shuxiang.accounts.resident_id import generate

    return generate(division, dt.date.fromisoformat(born), sequence)


_mobiles = itertools.count(13800000001)


def reader(library: Library | None = None, *, real_name: bool = True, **fields) -> User:
    """A reader registered through the real service (real-name by default)."""
    from shuxiang.accounts import registration

    mobile = fields.pop("mobile", str(next(_mobiles)))
    if real_name:
        return registration.register_real_name(
            fields.pop("name", "张三"),
            fields.pop("id_number", None) or id_number(sequence=next(_numbers) % 1000),
            fields.pop("password", READER_PASSWORD),
            mobile=mobile,
            library=library,
        )
    return registration.register_quick(
        mobile, fields.pop("password", READER_PASSWORD), library=library
    )


READER_PASSWORD = "read2026"


def staff_of(library: Library, role: str = StaffRole.Role.ADMIN) -> User:
    """A staff member with ``role`` over ``library``'s subtree."""
    person = user(f"{role}-{library.code.lower()}-{next(_numbers)}")
    StaffRole.objects.create(user=person, library=library, role=role)
    return person
