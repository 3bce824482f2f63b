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
