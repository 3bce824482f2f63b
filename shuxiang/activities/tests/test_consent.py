"""Entrants and guardian consent: nothing of a child is kept without it; erased with the
guardian."""

import pytest

from shuxiang.accounts import privacy
from shuxiang.accounts.tests.factories import READER_PASSWORD, reader
from shuxiang.activities import likes, services, works
from shuxiang.activities.models import Consent, Entrant, Work
from shuxiang.activities.tests import factories
from shuxiang.core.errors import PermissionDenied, ValidationFailed


def test_a_child_under_fourteen_is_not_registered_without_consent(net):
    campaign = factories.campaign(net["zj"])
    guardian = reader(net["zhuji"])
    with pytest.raises(ValidationFailed) as refused:
        services.register_entrant(
            campaign, name="王小萌", birth_year="2018", consent=False, by=guardian
        )
    assert refused.value.errors[0].field == "consent"
    assert not Entrant.objects.exists()


def test_consent_records_who_when_and_what(net):
    guardian = reader(net["zhuji"])
    entrant = factories.entrant(factories.campaign(net["zj"]), guardian)
    consent = Consent.objects.get(entrant=entrant)
    assert consent.guardian == guardian and consent.given_at
    assert "guardian" in consent.statement and consent.statement_version


def test_a_work_cannot_be_stored_before_consent_exists(net):
    entrant = factories.entrant(factories.campaign(net["zj"]), reader(net["zhuji"]))
    Consent.objects.filter(entrant=entrant).delete()
    with pytest.raises(PermissionDenied) as refused:
        works.submit(
            entrant, entrant.campaign.poems.first(), factories.tone(2), by=entrant.guardian
        )
    assert refused.value.errors[0].code == "consent_required"
    assert not Work.objects.exists()


def test_names_are_masked_in_public():
    assert services.mask("王小萌") == "王*萌"
    assert services.mask("欧阳明月") == "欧**月"
    assert services.mask("李明") == "李*"


def test_birth_years_take_ascii_digits_only(net):
    campaign = factories.campaign(net["zj"])
    with pytest.raises(ValidationFailed) as refused:
        services.register_entrant(
            campaign, name="王小萌", birth_year="２０١٨", consent=True, by=reader(net["zhuji"])
        )
    assert refused.value.errors[0].field == "birth_year"


def test_erasing_the_guardian_removes_the_child_and_keeps_anonymous_counts(net):
    guardian = reader(net["zhuji"])
    campaign = factories.campaign(net["zj"])
    entrant = factories.entrant(campaign, guardian, name="王小萌")
    work = factories.work(entrant)
    likes.like(work, by=reader(net["sx"]))
    services.notify(guardian, "hello")
    privacy.erase_account(guardian, READER_PASSWORD, by=guardian)
    entrant.refresh_from_db()
    work.refresh_from_db()
    assert entrant.name == "" and entrant.birth_year is None and entrant.erased_at
    assert not Consent.objects.filter(entrant=entrant).exists()
    assert not work.audio
    assert work.like_count == 1 and Work.objects.filter(campaign=campaign).count() == 1
    assert services.mask(entrant.name) == "*"


def test_a_childs_name_and_birth_year_are_encrypted_at_rest(net):
    from django.db import connection

    from shuxiang.activities.models import Entrant

    campaign = factories.campaign(net["zj"])
    entrant = factories.entrant(campaign, reader(net["zhuji"]), name="王小萌", birth_year=2018)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_enc, birth_year_enc FROM activities_entrant WHERE id = %s", [entrant.pk]
        )
        stored = " ".join(cursor.fetchone())
    assert "王小萌" not in stored and "2018" not in stored and stored.startswith("v1:")
    fresh = Entrant.objects.get(pk=entrant.pk)
    assert fresh.name == "王小萌" and fresh.birth_year == 2018
    assert services.mask(fresh.name) == "王*萌"
