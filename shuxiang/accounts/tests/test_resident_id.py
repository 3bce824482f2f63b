"""GB 11643-1999 resident ID numbers: every wrong part is named."""

from __future__ import annotations

import datetime as dt

import pytest

from shuxiang.accounts import resident_id
from shuxiang.accounts.tests.factories import id_number
from shuxiang.core.errors import ValidationFailed


def code_of(raw: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        resident_id.parse(raw)
    assert caught.value.errors[0].field == "id_number"
    return caught.value.errors[0].code


def test_check_character_follows_the_iso_7064_mod_11_2_rule():
    # The standard's worked example: 11010519491231002X.
    assert resident_id.check_char("11010519491231002") == "X"


@pytest.mark.django_db
def test_a_generated_number_parses_with_birth_date_and_division():
    parsed = resident_id.parse(id_number("330681", "1990-05-17", 17))
    assert parsed.division_code == "330681"
    assert parsed.birth_date == dt.date(1990, 5, 17)
    assert parsed.sex == "male"


@pytest.mark.django_db
def test_a_lowercase_x_check_character_is_accepted():
    number = next(
        n for n in (id_number("110101", "1985-01-01", s) for s in range(1, 200)) if n[-1] == "X"
    )
    assert resident_id.parse(number.lower()).number == number


@pytest.mark.django_db
def test_a_historical_division_code_is_still_known():
    assert resident_id.parse(id_number("130101", "1960-03-03")).division_code == "130101"


@pytest.mark.django_db
def test_wrong_check_digit_is_named():
    good = id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert code_of(wrong) == "check_digit"


@pytest.mark.django_db
def test_impossible_birth_date_is_named():
    first17 = "33068119900230001"  # 30 February
    assert code_of(first17 + resident_id.check_char(first17)) == "birth_date_invalid"


@pytest.mark.django_db
def test_birth_date_in_the_future_is_named():
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    assert code_of(id_number("330681", tomorrow.isoformat())) == "birth_date_future"


@pytest.mark.django_db
def test_unknown_division_code_is_named():
    assert code_of(id_number("999999")) == "division_unknown"


def test_wrong_length_or_letters_is_a_format_error():
    assert code_of("33068119900517") == "format"
    assert code_of("3306811990051700A1") == "format"
