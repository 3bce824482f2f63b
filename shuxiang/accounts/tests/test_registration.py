"""Registration: quick and real-name; bad input names field and reason and stores nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from shuxiang.accounts import pii, registration
from shuxiang.accounts.models import User
from shuxiang.accounts.tests.factories import id_number, reader
from shuxiang.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def raw_row(user: User) -> str:
    """The user's database row as stored, every column as text."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {User._meta.db_table} WHERE id = %s", [user.pk])
        return " ".join(str(v) for v in cursor.fetchone())


def test_quick_registration_stores_the_mobile_encrypted_and_findable_by_keyed_hash(net):
    user = registration.register_quick("13912345678", "abc12345", library=net["zhuji"])
    assert "13912345678" not in raw_row(user)
    assert User.objects.get(mobile_hash=pii.lookup_hash("13912345678")) == user
    assert pii.decrypt(user.mobile_enc) == "13912345678"
    assert user.check_password("abc12345")
    assert user.password.startswith("argon2")


def test_real_name_registration_records_how_the_name_was_verified(net):
    number = id_number("330681", "1988-08-08", 12)
    user = registration.register_real_name("李四", number, "pass2026", library=net["zhuji"])
    assert user.real_name_method == User.RealName.ID_CHECKSUM
    assert user.real_name_verified_at is not None
    row = raw_row(user)
    assert number not in row and "李四" not in row


@pytest.mark.parametrize(
    "password,code",
    [
        ("12345", "password_length"),
        ("123456", "password_weak"),
        ("abcdef", "password_weak"),
        ("abc 12345", "password_characters"),
        ("abcdefgh12345", "password_length"),
    ],
)
def test_weak_password_is_refused_and_nothing_is_stored(net, password, code):
    with pytest.raises(ValidationFailed) as caught:
        registration.register_quick("13912345678", password)
    assert [(e.field, e.code) for e in caught.value.errors] == [("password", code)]
    assert not User.objects.exists()


def test_duplicate_mobile_is_a_conflict_and_the_first_account_is_untouched(net):
    first = registration.register_quick("13912345678", "abc12345")
    with pytest.raises(Conflict) as caught:
        registration.register_quick("13912345678", "xyz98765")
    assert caught.value.errors[0].field == "mobile"
    assert caught.value.errors[0].code == "duplicate"
    assert User.objects.count() == 1
    first.refresh_from_db()
    assert first.check_password("abc12345")


def test_duplicate_resident_id_is_a_conflict(net):
    number = id_number(sequence=44)
    registration.register_real_name("王五", number, "abc12345")
    with pytest.raises(Conflict) as caught:
        registration.register_real_name("王五", number.lower(), "abc12345", mobile="13700000000")
    assert caught.value.errors[0].field == "id_number"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "number,code",
    [
        (id_number()[:17] + ("1" if id_number()[17] == "0" else "0"), "check_digit"),
        (id_number("999999"), "division_unknown"),
        (id_number("330681", "2999-01-01"), "birth_date_future"),
    ],
)
def test_bad_resident_id_is_refused_with_its_part_named_and_nothing_stored(net, number, code):
    with pytest.raises(ValidationFailed) as caught:
        registration.register_real_name("赵六", number, "abc12345")
    assert {e.field: e.code for e in caught.value.errors} == {"id_number": code}
    assert not User.objects.exists()


def test_every_wrong_field_is_reported_at_once(net):
    with pytest.raises(ValidationFailed) as caught:
        registration.register_real_name("x", "123", "weak", mobile="12345")
    assert {e.field for e in caught.value.errors} == {
        "real_name",
        "id_number",
        "password",
        "mobile",
    }


def test_quick_reader_upgrades_to_real_name_themself(net):
    person = reader(real_name=False)
    registration.verify_real_name(person, "钱七", id_number(sequence=77), by=person)
    person.refresh_from_db()
    assert person.is_real_name
