"""Duplicate detection: the content fingerprint refuses, normalised metadata flags for review."""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.core.errors import Conflict, PermissionDenied
from shuxiang.identifiers import dedupe, workflow
from shuxiang.identifiers.models import Identifier
from shuxiang.identifiers.tests.factories import fingerprint, registered


def test_the_same_object_registered_by_another_library_is_refused_with_a_pointer(net):
    original = registered(net["sx"], fingerprint=fingerprint("scan.pdf"))
    with pytest.raises(Conflict) as caught:
        registered(net["hz"], fingerprint="SHA256:" + fingerprint("scan.pdf").upper())
    assert caught.value.errors[0].field == "fingerprint"
    assert caught.value.errors[0].code == "duplicate"
    assert original.name in caught.value.errors[0].reason
    assert caught.value.existing == original.name
    assert Identifier.objects.count() == 1


def test_metadata_folding_matches_traditional_full_width_and_punctuation():
    simplified = {"title": "红楼梦：第一回", "creator": "曹雪芹", "date": "1791"}
    traditional = {"title": "紅樓夢 第一回！", "creator": "曹雪芹 ", "date": "１７９１年"}
    assert dedupe.metadata_key(simplified) == dedupe.metadata_key(traditional)
    assert dedupe.metadata_key(simplified) != dedupe.metadata_key({**simplified, "date": "1792"})


def test_fold_handles_full_width_latin_and_case():
    assert dedupe.fold("ＡＢＣ，Digital　Library.") == "abcdigitallibrary"


def test_metadata_only_match_is_registered_but_flagged_for_review(net, served):
    original = registered(
        net["sx"],
        title="紹興府志",
        metadata={"title": "紹興府志", "creator": "佚名", "date": "1586"},
    )
    applied = workflow.apply(
        library=net["hz"],
        location=f"{served}/ok/fz",
        metadata={"title": "绍兴府志", "creator": "佚名", "date": "1586年"},
        rights="本馆所有",
        fingerprint=fingerprint("another scan"),
        by=admin_of(net["hz"]),
        self_built=True,
        own_copyright=True,
    )
    assert applied.status == Identifier.Status.PENDING
    assert applied.similar_to_id == original.pk


def test_reviewer_clears_a_metadata_flag_and_it_is_in_the_history(net):
    from shuxiang.identifiers import services

    registered(net["sx"], metadata={"title": "越绝书", "creator": "袁康"})
    flagged = registered(net["hz"], metadata={"title": "越絕書", "creator": "袁康"})
    assert flagged.similar_to_id is not None
    with pytest.raises(PermissionDenied):
        workflow.dismiss_duplicate_flag(flagged.name, by=admin_of(net["hz"]))
    workflow.dismiss_duplicate_flag(flagged.name, by=admin_of(net["zj"]), reason="不同版本")
    flagged.refresh_from_db()
    assert flagged.similar_to_id is None
    assert services.history(flagged.name)[-1]["action"] == "dismiss_flag"
