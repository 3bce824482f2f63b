"""The data migration that encrypts reader card numbers already stored in clear."""

from __future__ import annotations

import pytest
from django.db import connection

from shuxiang.accounts.models import ReaderCard
from shuxiang.accounts.tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("accounts", "0004_staff_totp_second_factor")]


@pytest.mark.django_db(transaction=True)
def test_clear_card_numbers_are_normalised_encrypted_and_hashed():
    old = migrate_to(BEFORE)
    library = old.get_model("network", "Library").objects.create(
        code="330681", name="诸暨市图书馆", level="county", path="/330681/", depth=0
    )
    user = old.get_model("accounts", "User").objects.create(username="old-reader")
    cards = old.get_model("accounts", "ReaderCard").objects
    cards.create(user=user, library=library, number="zj 0042")
    cards.create(user=user, library=library, number="ＺＪ００４３")
    migrate_to_latest()
    numbers = sorted(card.number for card in ReaderCard.objects.all())
    assert numbers == ["ZJ0042", "ZJ0043"]
    assert ReaderCard.objects.filter(number_hash=ReaderCard(number="zj0042").number_hash).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number_enc, number_hash FROM {ReaderCard._meta.db_table}")
        stored = " ".join(value for row in cursor.fetchall() for value in row)
    assert "0042" not in stored and "００４３" not in stored
