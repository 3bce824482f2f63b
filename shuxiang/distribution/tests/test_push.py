"""Network push down the tree (资源推送): offers, the pull over real HTTP with Range (a live
server), per-file and whole-bag verification, import, reports up, deployment status and
coverage; interrupted and corrupted pulls; bad input named by field."""

from __future__ import annotations

import datetime
import io
import json
import os
from pathlib import Path

import bagit
import pytest
from django.test import Client
from PIL import Image

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.distribution import deployments, receiving, services, throttle, transfer
from shuxiang.distribution.models import Deployment, ImportedPackage, Transfer
from shuxiang.resources.tests.helpers import published, upload


def noise_png(side: int = 600) -> bytes:
    """A real PNG of random pixels (about 1 MB: it does not compress), several chunks long."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def big_package(package, central):
    published(central, title="大幅年画", files=[upload("nianhua.png", noise_png())])
    return package


@pytest.fixture
def county(net):
    return net["zhuji"], admin_of(net["zhuji"])


def offer_for(person, base: str) -> dict:
    (found,) = deployments.offers_for(person)
    return deployments.offer_document(found, base)


def test_a_pushed_package_is_pulled_verified_imported_and_reported(
    live_server, big_package, net, county
):
    library, person = county
    version = services.build_version(big_package, by=SYSTEM)
    deployments.push(big_package, [library.code], by=SYSTEM)
    row = receiving.receive(offer_for(person, live_server.url), by=person)
    row = receiving.run_transfer(row, by=person, bandwidth="", window="")
    assert row.state == Transfer.State.IMPORTED, row.reason
    assert row.done_bytes == version.payload_bytes and row.files_done == version.file_count
    bagit.Bag(row.folder).validate()  # the pulled bag is whole (Library of Congress bagit)
    assert ImportedPackage.objects.get(library=library).version == 1
    deployment = Deployment.objects.get(package=big_package, library=library)
    assert (deployment.state, deployment.held) == ("imported", 1)
    assert deployment.done_bytes == version.payload_bytes
    figures = {
        f["level"]: f for f in deployments.coverage(deployments.status(big_package, by=SYSTEM))
    }
    assert figures["county"] == {"level": "county", "total": 2, "reached": 1, "current": 1}
    assert figures["provincial"]["reached"] == 0
    again = receiving.run_transfer(row, by=person)  # nothing left to do
    assert again.state == Transfer.State.IMPORTED


def test_a_pull_paused_midway_resumes_with_range_and_a_corrupt_part_is_fetched_again(
    live_server, big_package, county, tmp_path
):
    library, person = county
    version = services.build_version(big_package, by=SYSTEM)
    deployments.push(big_package, [library.code], by=SYSTEM)
    doc = offer_for(person, live_server.url)
    offer = transfer.Offer(doc["files_url"], doc["tagmanifest_sha256"], doc["top"],
                           doc["payload_bytes"], doc["file_count"], doc["token"])  # fmt: skip
    got = []

    class Cut(transfer.Puller):  # the window closes once 300 kB arrived
        def _add(self, count):
            super()._add(count)
            got.append(count)

    first = Cut(offer, tmp_path / "bag", is_open=lambda: sum(got) < 300_000, connections=1)
    with pytest.raises(transfer.Paused):
        first.run()
    parts = [p for p in (tmp_path / "bag.partial").rglob("*") if p.is_file() and p.stat().st_size]
    assert parts, "the paused pull left a partial file"
    (big,) = [p for p in parts if p.name == "nianhua.png"] or [max(parts, key=os.path.getsize)]
    with open(big, "r+b") as handle:  # one byte of what arrived goes bad on the disk
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 0xFF]))
    second = transfer.Puller(offer, tmp_path / "bag", connections=2)
    assert second.run().files_done == version.file_count
    bagit.Bag(str(tmp_path / "bag")).validate()
    assert not [p for p in (tmp_path / "bag.partial").rglob("*") if p.is_file()]


def test_a_file_that_arrives_wrong_twice_fails_naming_it(live_server, big_package, county):
    library, person = county
    version = services.build_version(big_package, by=SYSTEM)
    deployments.push(big_package, [library.code], by=SYSTEM)
    victim = sorted(Path(version.bag_path).rglob("*.png"))[0]
    damaged = victim.read_bytes()[:-1] + b"\x00"
    victim.unlink()  # (a hard link into the store: replace, do not write through)
    victim.write_bytes(damaged)  # the sender's copy is damaged
    row = receiving.receive(offer_for(person, live_server.url), by=person)  # the job runs it
    row = receiving.run_transfer(row, by=person, bandwidth="", window="")
    assert row.state == Transfer.State.FAILED
    assert victim.relative_to(version.bag_path).as_posix() in row.reason
    deployment = Deployment.objects.get(package=big_package, library=library)
    assert deployment.state == "failed" and victim.name in deployment.reason
    assert not ImportedPackage.objects.filter(library=library).exists()


def test_bag_files_are_served_with_range_and_only_to_the_offer(big_package, county):
    library, _person = county
    version = services.build_version(big_package, by=SYSTEM)
    (deployment,) = deployments.push(big_package, [library.code], by=SYSTEM)
    token = deployments.offer_token(deployment)
    client = Client()
    base = f"/packages/offers/{token}/files/"
    whole = b"".join(client.get(base + "bagit.txt").streaming_content)
    assert whole.startswith(b"BagIt-Version")
    part = client.get(base + "bagit.txt", HTTP_RANGE="bytes=4-")
    assert part.status_code == 206 and b"".join(part.streaming_content) == whole[4:]
    assert part["Content-Range"] == f"bytes 4-{len(whole) - 1}/{len(whole)}"
    assert client.get(base + "bagit.txt", HTTP_RANGE=f"bytes={len(whole)}-").status_code == 416
    stale = client.get(base + "bagit.txt", HTTP_RANGE="bytes=4-", HTTP_IF_RANGE='"old"')
    assert stale.status_code == 200
    assert client.get(base + "../../../etc/passwd").status_code == 404
    assert client.get(base + "data").status_code == 404
    assert client.get(f"/packages/offers/{token}x/files/bagit.txt").status_code == 403
    v2 = services.build_version(big_package, by=SYSTEM)
    deployments.push(big_package, [library.code], by=SYSTEM, version=v2)
    assert client.get(base + "bagit.txt").status_code == 404  # replaced by a newer offer
    assert version.number == 1


def test_reports_and_pushes_with_bad_input_name_the_field(big_package, net, county):
    library, _person = county
    services.build_version(big_package, by=SYSTEM)
    (deployment,) = deployments.push(big_package, [library.code], by=SYSTEM)
    token = deployments.offer_token(deployment)
    url = f"/api/v1/packages/offers/{token}/report"
    bad = Client().post(url, {"state": "lost"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "state"
    wide = {"state": "downloading", "done_bytes": "１２"}
    answer = Client().post(url, json.dumps(wide), content_type="application/json")
    assert answer.status_code in (400, 422)
    ok = {"state": "downloading", "done_bytes": 12, "total_bytes": 100}
    assert Client().post(url, ok, content_type="application/json").json()["state"] == "downloading"
    with pytest.raises(ValidationFailed) as caught:
        deployments.push(big_package, ["NOPE", "NLC"], by=SYSTEM)
    assert {e.code for e in caught.value.errors} == {"unknown", "outside"}
    with pytest.raises(PermissionDenied):
        deployments.push(big_package, [library.code], by=admin_of(net["gs"]))
    with pytest.raises(ValidationFailed) as caught:
        receiving.receive({"files_url": "ftp://x", "top": ["../x"]}, by=SYSTEM)
    assert {"files_url", "tagmanifest_sha256", "top"} <= {e.field for e in caught.value.errors}


def test_a_subscriber_is_offered_each_new_version_as_a_delta_when_it_holds_the_base(
    big_package, net, county
):
    library, person = county
    services.build_version(big_package, by=SYSTEM)
    deployments.subscribe(big_package, library, by=person)
    (offer,) = deployments.offers_for(person)
    assert offer.version.number == 1
    deployments.report(deployments.offer_token(offer), {"state": "imported"})
    assert deployments.offers_for(person) == []
    delta = services.build_version(big_package, by=SYSTEM, delta_from=1)
    services.full_bag(delta, by=SYSTEM)  # v2 both ways: the delta from v1 and in full
    rows = deployments.status(big_package, by=SYSTEM)
    (mine,) = [row for row in rows if row.library == library]
    assert mine.state == "outdated"
    (offer,) = deployments.offers_for(person)
    assert offer.version.number == 2 and offer.version.base_version.number == 1


def test_bandwidth_window_and_token_bucket():
    assert throttle.parse_bandwidth("20M") == 2_500_000
    assert throttle.parse_bandwidth("２０M") == 2_500_000  # NFKC
    assert throttle.parse_bandwidth("1.5Gbit") == 187_500_000
    assert throttle.parse_bandwidth("") == 0
    for bad in ("fast", "-1M", "9" * 40, "1e9", "٢M"):
        with pytest.raises(ValidationFailed) as caught:
            throttle.parse_bandwidth(bad)
        assert caught.value.errors[0].field == "bandwidth"
    night = throttle.parse_window("22:00-06:00")
    at = datetime.datetime(2026, 11, 29, 12, 0)
    assert not night.is_open(at) and night.is_open(at.replace(hour=23))
    assert night.is_open(at.replace(hour=5, minute=59)) and not night.is_open(at.replace(hour=6))
    assert night.seconds_until_open(at) == 10 * 3600 + 1
    with pytest.raises(ValidationFailed):
        throttle.parse_window("25:00-06:00")
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    bucket = throttle.TokenBucket(1000, burst=1000, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        bucket.take(500)
    assert 3.9 <= now[0] <= 4.1  # 5000 bytes at 1000/s, the first 1000 from the full bucket


def test_offers_are_listed_to_the_receiving_staff_over_the_api(big_package, county):
    library, person = county
    services.build_version(big_package, by=SYSTEM)
    deployments.push(big_package, [library.code], by=SYSTEM)
    client = Client()
    client.force_login(person)
    (offer,) = client.get("/api/v1/packages/offers").json()["items"]
    assert offer["library"] == library.code and offer["number"] == 1
    assert "tagmanifest-sha256.txt" in offer["top"] and offer["files_url"].endswith("/files")
    assert client.get("/api/v1/packages/transfers").json()["count"] == 0
    status = client.get(f"/api/v1/packages/{big_package.pk}/deployments")
    assert status.status_code == 404  # the county's staff do not see the centre's packages


def test_the_centre_pushes_and_reads_coverage_over_the_api_and_pages(big_package, net):
    services.build_version(big_package, by=SYSTEM)
    client = Client()
    client.force_login(admin_of(net["nlc"]))
    url = f"/api/v1/packages/{big_package.pk}"
    bad = client.post(f"{url}/push", {"libraries": ["XX"]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "libraries"
    pushed = client.post(f"{url}/push", {"libraries": ["330000", "620000"]},
                         content_type="application/json")  # fmt: skip
    assert [row["state"] for row in pushed.json()] == ["offered", "offered"]
    status = client.get(f"{url}/deployments").json()
    levels = {f["level"]: f for f in status["coverage"]}
    assert levels["provincial"] == {"level": "provincial", "total": 2, "reached": 0, "current": 0}
    assert status["count"] == 7 and status["newest"] == 1
    page = client.get(f"/packages/{big_package.pk}/deployments/")
    assert page.status_code == 200 and "330000" in page.content.decode()
    form = client.post(f"/packages/{big_package.pk}/push/", {"libraries": "330681 620123"})
    assert form.status_code == 302
    assert Deployment.objects.filter(package=big_package).count() == 4


def test_the_cli_pushes_and_prints_status_with_coverage(big_package, county):
    from django.core.management import CommandError, call_command

    library, _person = county
    services.build_version(big_package, by=SYSTEM)
    out = io.StringIO()
    call_command("packages", "push", "NLC/classics", "--to", library.code, stdout=out)
    assert f"{library.code}\toffered v1" in out.getvalue()
    out = io.StringIO()
    call_command("packages", "status", "NLC/classics", stdout=out)
    lines = out.getvalue().splitlines()
    assert "county\t0/2 reached\t0 on the newest version" in lines
    assert any(line.startswith(f"{library.code}\toffered\toffered v1") for line in lines)
    with pytest.raises(CommandError):
        call_command("packages", "push", "NLC/classics", "--to", "NOWHERE", stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("packages", "pull", "--from", "ftp://x", stderr=io.StringIO())
