"""Bags made by the Library of Congress's ``bagit`` library: a valid one imports (into a local
folder store and into S3); invalid ones are refused naming the file and the reason, and
nothing is stored from them."""

from __future__ import annotations

import base64
import shutil

import bagit
import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ValidationFailed
from shuxiang.distribution import bagcheck, keys, services
from shuxiang.distribution.models import ImportedPackage
from shuxiang.resources.models import Resource
from shuxiang.resources.storage import get_storage


def sign(bag) -> None:
    _key_id, signature = keys.sign_bytes((bag / "tagmanifest-sha256.txt").read_bytes())
    (bag / "signature.ed25519").write_bytes(base64.b64encode(signature) + b"\n")


@pytest.fixture
def loc_bag(package, tmp_path):
    """The payload of version 1, bagged by the bagit library and signed by this node."""
    version = services.build_version(package, by=SYSTEM)
    folder = tmp_path / "loc"
    shutil.copytree(version.bag_path + "/data", folder)
    bagit.make_bag(
        str(folder),
        {
            "Source-Organization": "国家图书馆",
            "External-Identifier": "shuxiang:NLC:classics",
            "Version": "1",
            "Shuxiang-Key-Id": keys.own_key().key_id,
        },
        checksums=["sha256"],
    )
    sign(folder)
    return folder


def nothing_stored(library) -> bool:
    return (
        not Resource.objects.filter(library=library).exists()
        and not ImportedPackage.objects.filter(library=library).exists()
        and not list(get_storage().keys(f"packages/{library.code}/"))
    )


def test_a_valid_bagit_bag_imports(net, loc_bag, storage):
    bagit.Bag(str(loc_bag)).validate()
    result = bagcheck.import_bag(loc_bag, net["zhuji"], by=SYSTEM)
    assert result.created == 3
    for row in Resource.objects.get(library=net["zhuji"], title="老照片一").files.all():
        assert storage.sha256(row.key) == row.sha256


def _wrong_checksum(bag):
    victim = next((bag / "data" / "resources").rglob("*.png"))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    return {victim.relative_to(bag).as_posix(): "checksum"}


def _missing_payload(bag):
    victim = next((bag / "data" / "resources").rglob("*.pdf"))
    victim.unlink()
    return {victim.relative_to(bag).as_posix(): "missing", "bag-info.txt": "oxum"}


def _extra_file(bag):
    (bag / "data" / "notes.txt").write_text("not in the manifest")
    return {"data/notes.txt": "not_in_manifest", "bag-info.txt": "oxum"}


def _bad_bagit_txt(bag):
    (bag / "bagit.txt").write_text("BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n")
    return {"bagit.txt": "bad_declaration"}


def _missing_tag_entry(bag):
    manifest = bag / "tagmanifest-sha256.txt"
    lines = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join(line for line in lines if "bag-info.txt" not in line))
    sign(bag)  # a correctly signed but incomplete tag manifest
    return {"bag-info.txt": "not_in_tagmanifest"}


def _unsigned(bag):
    (bag / "signature.ed25519").unlink()
    return {"signature.ed25519": "unsigned"}


def _forged(bag):
    (bag / "signature.ed25519").write_bytes(base64.b64encode(b"\x01" * 64) + b"\n")
    return {"signature.ed25519": "bad_signature"}


@pytest.mark.parametrize(
    "damage",
    [
        _wrong_checksum,
        _missing_payload,
        _extra_file,
        _bad_bagit_txt,
        _missing_tag_entry,
        _unsigned,
        _forged,
    ],
)
def test_invalid_bags_are_refused_naming_file_and_reason(net, loc_bag, damage):
    expected = damage(loc_bag)
    if damage in (_wrong_checksum, _missing_payload, _extra_file, _bad_bagit_txt):
        with pytest.raises(bagit.BagError):  # the reference library refuses it too
            bagit.Bag(str(loc_bag)).validate()
    county = net["zhuji"]
    with pytest.raises(ValidationFailed) as caught:
        bagcheck.import_bag(loc_bag, county, by=SYSTEM)
    named: dict[str, set] = {}
    for error in caught.value.errors:
        named.setdefault(error.field, set()).add(error.code)
    for field, code in expected.items():
        assert code in named.get(field, set()), named
    assert all(e.reason for e in caught.value.errors)
    assert nothing_stored(county)
