"""Identifiers of people written in other scripts: one person, one account.

Full-width digits are the same digits (NFKC) and find the registered person; digits of other
scripts are refused with an error naming the field. Card numbers are stored encrypted, looked
up by keyed hash, unique per library whatever their spelling, and masked in lists.
"""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection, transaction

from shuxiang.accounts import staff
from shuxiang.accounts.models import ReaderCard, User
from shuxiang.accounts.tests.factories import id_number, reader, staff_of

pytestmark = pytest.mark.django_db

SCRIPTS = {
    "arabic_indic": "٠١٢٣٤٥٦٧٨٩",
    "extended_arabic_indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
    "mongolian": "᠐᠑᠒᠓᠔᠕᠖᠗᠘᠙",
}
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def real_name(client, number, mobile="13900000001"):
    body = {"real_name": "李四", "id_number": number, "password": "abc12345", "mobile": mobile}
    return post(client, "/api/v1/accounts/register/real-name", body)


def test_full_width_id_number_is_the_same_person(client, net):
    number = id_number("330681", "1979-03-03", 7)
    assert real_name(client, number).status_code == 201
    again = real_name(client, number.translate(FULL_WIDTH), mobile="13900000002")
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "id_number"
    assert User.objects.count() == 1


@pytest.mark.parametrize("script", SCRIPTS)
def test_id_number_in_other_scripts_is_refused_naming_the_field(client, net, script):
    number = id_number("330681", "1979-03-03", 7)
    assert real_name(client, number).status_code == 201
    # the check character stays ASCII: the digits of another script pass a \d-based check
    spelled = number[:17].translate(str.maketrans("0123456789", SCRIPTS[script])) + number[17]
    response = real_name(client, spelled, mobile="13900000002")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("id_number", "digits")
    assert User.objects.count() == 1


def test_full_width_mobile_is_the_same_number(client, net):
    quick = "/api/v1/accounts/register/quick"
    assert post(client, quick, {"mobile": "13912340000", "password": "abc12345"}).status_code == 201
    again = post(client, quick, {"mobile": "１３９ １２３４ ００００", "password": "abc12345"})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "mobile"
    assert User.objects.count() == 1


@pytest.mark.parametrize("script", SCRIPTS)
def test_mobile_in_other_scripts_is_refused_naming_the_field(client, net, script):
    quick = "/api/v1/accounts/register/quick"
    assert post(client, quick, {"mobile": "13912340000", "password": "abc12345"}).status_code == 201
    mobile = "13" + "912340000".translate(str.maketrans("0123456789", SCRIPTS[script]))
    response = post(client, quick, {"mobile": mobile, "password": "abc12345"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("mobile", "digits")
    assert User.objects.count() == 1


def issue(client, admin, person, number):
    client.force_login(admin)
    return post(
        client,
        f"/api/v1/accounts/readers/{person.public_id}/cards",
        {"library": "330681", "number": number},
    )


def test_card_number_in_full_width_or_lower_case_is_a_duplicate(client, net):
    admin, first, second = staff_of(net["zhuji"]), reader(net["zhuji"]), reader(net["zhuji"])
    assert issue(client, admin, first, "ZJ0042").status_code == 201
    for spelling in ("ＺＪ００４２", "zj0042", "ZJ 0042"):
        response = issue(client, admin, second, spelling)
        assert response.status_code == 409, spelling
        assert response.json()["errors"][0]["field"] == "number"
    assert ReaderCard.objects.count() == 1


@pytest.mark.parametrize("script", ["arabic_indic", "devanagari", "thai"])
def test_card_number_in_other_scripts_is_refused_naming_the_field(client, net, script):
    admin, person = staff_of(net["zhuji"]), reader(net["zhuji"])
    number = "0042".translate(str.maketrans("0123456789", SCRIPTS[script]))
    response = issue(client, admin, person, "ZJ" + number)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("number", "digits")


def test_the_database_refuses_a_second_spelling_of_a_card_number(net):
    person = reader(net["zhuji"])
    ReaderCard.objects.create(user=person, library=net["zhuji"], number="ZJ0042")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReaderCard.objects.create(user=person, library=net["zhuji"], number="ｚｊ ００４２")


def test_card_numbers_are_encrypted_at_rest_and_masked_in_lists(client, net):
    admin, person = staff_of(net["zhuji"]), reader(net["zhuji"])
    assert issue(client, admin, person, "ZJ77665544").status_code == 201
    table = ReaderCard._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table name
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "77665544" not in stored
    listed = client.get("/api/v1/accounts/readers").json()["results"]
    numbers = [c["number"] for row in listed for c in row["reader_cards"]]
    assert numbers == ["******5544"]
    assert staff.unmasked(person)["reader_cards"][0]["number"] == "ZJ77665544"


def test_login_form_folds_every_spelling_to_one():
    from shuxiang.accounts.person_ids import login_form

    number = "33068119900517123X"
    for spelling in (
        "3306 8119 9005 1712 3x",
        number.translate(FULL_WIDTH),
        number[:17].translate(str.maketrans("0123456789", SCRIPTS["bengali"])) + "x",
    ):
        assert login_form(spelling) == number
    assert login_form(" Reader-ABC ") == "Reader-ABC"
