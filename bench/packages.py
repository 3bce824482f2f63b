"""Resource packages (资源推送): export and offline import at copy speed, delta size, push rate.

Generates a package of ``--gigabytes`` (default 2) of realistic files — e-journal issues of
many small JPEG page images (60 kB – 1.2 MB, log-normal around 250 kB) and a few large
lecture videos (120 – 400 MB) — stores them as published resources of the national centre,
builds version 1 and measures, each against a peer measured in the same run on the same files
(export and import: each side twice, interleaved, the faster of each kept):

- export to a folder (``services.export_version``: read, hash, write, fsync) against ``cp -r``
  of the same payload plus ``sha256sum`` of the copies;
- offline import into a county library (``importer.import_bag``: whole-bag checks, staging
  with hashing, metadata) against the same ``cp`` plus ``sha256sum``;
- delta size: about 5 % of the bytes change (new issues added, some titles edited, one
  resource withdrawn), then the delta bag's payload against the full bag's;
- push: the parent node (``shuxiang serve``) inside a network namespace behind a shaped veth
  link (``--link-rate`` 20 Mbit/s and ``--loss`` 1 % as in the acceptance test; county VPN
  lines are ~100 Mbit/s, seed 004), pulled by ``transfer.Puller`` on the host; throughput of
  the delta bag (``--push full`` for the whole package) against the link's rate.

    .venv/bin/python bench/packages.py [--gigabytes 2] [--link-rate 20mbit] [--loss 1%]

Goals (issue 15): export and import ≥ 0.8× cp+sha256sum; delta ≤ 10 % of the full package;
push ≥ 0.8× the link's rate. The last line is the JSON result (ratios of all four).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import setup_django  # noqa: E402

PAGE_MEDIAN, VIDEO_RANGE = 250_000, (120_000_000, 400_000_000)


def jpeg_like(size: int, rng: random.Random) -> bytes:
    """Incompressible bytes framed as a JPEG (SOI/APP0 … EOI), like a scanned page."""
    body = rng.randbytes(max(size - 24, 0))
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + body + b"\xff\xd9"
    )


def page_sizes(total: int, rng: random.Random) -> list[int]:
    sizes, left = [], total
    while left > 0:
        size = int(min(max(rng.lognormvariate(12.43, 0.55), 60_000), 1_200_000))
        sizes.append(min(size, left) if left > 60_000 else left)
        left -= sizes[-1]
    return sizes


def video_sizes(total: int, rng: random.Random) -> list[int]:
    sizes, left = [], total
    while left > VIDEO_RANGE[0]:
        size = min(rng.randint(*VIDEO_RANGE), left)
        sizes.append(size)
        left -= size
    if left and sizes:
        sizes[-1] += left
    return sizes


def publish_issues(collection, sizes: list[int], rng: random.Random, first: int = 1) -> list:
    from shuxiang.core.actors import SYSTEM
    from shuxiang.resources import services as res

    made, number = [], first
    for start in range(0, len(sizes), 60):
        files = [
            res.Upload(f"p{i:04d}.jpg", io.BytesIO(jpeg_like(s, rng)), "image/jpeg")
            for i, s in enumerate(sizes[start : start + 60], 1)
        ]
        extra = {"journal_title": "图书馆杂志", "year": 2014, "issue": str(number)}
        item = res.create_resource(
            {"type": "journal_issue", "title": f"图书馆杂志 2014 年第 {number} 期", "extra": extra},
            collection=collection, by=SYSTEM, files=files,
        )  # fmt: skip
        res.submit(item, by=SYSTEM)
        made.append(res.publish(item, by=SYSTEM))
        number += 1
    return made


def publish_videos(collection, sizes: list[int], rng: random.Random, folder: Path) -> None:
    from shuxiang.core.actors import SYSTEM
    from shuxiang.resources import services as res

    for number, size in enumerate(sizes, 1):
        path = folder / f"lecture-{number}.mp4"
        with open(path, "wb") as out:
            out.write(b"\x00\x00\x00\x18ftypmp42")
            left = size - 12
            while left > 0:
                out.write(rng.randbytes(min(left, 8 << 20)))
                left -= min(left, 8 << 20)
        with open(path, "rb") as stream:
            item = res.create_resource(
                {"type": "video", "subtype": "lecture", "title": f"国图公开课 第 {number} 讲"},
                collection=collection, by=SYSTEM,
                files=[res.Upload(path.name, stream, "video/mp4")],
            )  # fmt: skip
        path.unlink()
        res.submit(item, by=SYSTEM)
        res.publish(item, by=SYSTEM)


def cp_and_sha256sum(source: Path, target: Path) -> float:
    """Seconds for ``cp -r source target`` plus ``sha256sum`` of every copied file."""
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    subprocess.run(["sync", "-f", str(target)], check=True)
    files = subprocess.run(["find", str(target), "-type", "f", "-print0"], check=True,
                           capture_output=True).stdout  # fmt: skip
    subprocess.run(["xargs", "-0", "sha256sum"], input=files, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def timed(func):
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def change_five_percent(package, collection, full_bytes: int, rng: random.Random) -> None:
    """New issues worth ~4 % of the bytes, ten titles edited, one resource withdrawn."""
    from shuxiang.core.actors import SYSTEM
    from shuxiang.resources import services as res
    from shuxiang.resources.models import Resource

    publish_issues(collection, page_sizes(int(full_bytes * 0.04), rng), rng, first=900)
    issues = list(Resource.objects.filter(collection=collection, type="journal_issue")[:11])
    res.withdraw(issues.pop(), by=SYSTEM, reason="superseded")
    for item in issues[:10]:
        res.update_resource(item, {"title": item.title + "（修订）"}, by=SYSTEM)


def push_through_link(version, args, data_dir: Path, work: Path) -> tuple:
    """(seconds, bytes/s of the link, backend, plain peer's seconds) for ``version``'s bag."""
    from shuxiang.core.actors import SYSTEM
    from shuxiang.distribution import deployments, transfer
    from shuxiang.distribution.tests import netem
    from shuxiang.federation import keys
    from shuxiang.federation.models import HostedLibrary, Node, NodeKey
    from shuxiang.federation.signing import peer_session
    from shuxiang.network.models import Library

    reason = netem.unavailable()
    if reason:
        raise SystemExit(f"push not measured: {reason}")
    county = Library.objects.get(code="330681")
    # the county's node is an approved child signing with this node's own key (one process
    # plays both ends): the pull is the signed one between peers, batches included
    own = keys.own_key()
    child = Node.objects.create(name="county", base_url="http://county.invalid",
                                relation="child", status="approved")  # fmt: skip
    NodeKey.objects.get_or_create(key_id=own.key_id, defaults={"node": child,
                                  "public_key": own.public_key_b64})  # fmt: skip
    HostedLibrary.objects.get_or_create(library=county, defaults={"node": child})
    (deployment,) = deployments.push(version.package, [county.code], by=SYSTEM, version=version)
    with netem.NetemLink(rate=args.link_rate, loss=args.loss) as link:
        port = 18900 + os.getpid() % 100
        base = f"http://{link.inner_ip}:{port}"
        env = {**os.environ, "SHUXIANG_DATA_DIR": str(data_dir), "SHUXIANG_BASE_URL": base}
        server = subprocess.Popen(
            link.inside([sys.executable, "-m", "shuxiang.cli", "serve", "--host", link.inner_ip,
                         "--port", str(port)]),
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_ready(f"{base}/packages/peer/offers")  # the clock starts once it answers
            doc = deployments.offer_document(deployment, base, signed=True)
            offer = transfer.Offer(
                doc["files_url"], doc["tagmanifest_sha256"], doc["top"],
                doc["payload_bytes"], doc["file_count"], batch_url=doc["batch_url"],
            )  # fmt: skip
            puller = transfer.Puller(offer, work / "pulled", connections=args.connections,
                                     session=peer_session())  # fmt: skip
            seconds, _progress = timed(puller.run)
        finally:
            server.kill()
            server.wait()
        peer = plain_http_peer(link, Path(version.bag_path), port + 1)
        return seconds, link.rate_bytes, link.kind, peer


def _wait_ready(url: str, seconds: float = 120) -> None:
    """Wait until the node answers a signed request (a loaded machine starts Django slowly)."""
    import requests

    from shuxiang.federation.signing import peer_session

    session, deadline = peer_session(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if session.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the node did not answer {url} within {seconds:.0f} s")


def _wait_plain(url: str) -> None:
    import requests

    for _ in range(600):
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)


def plain_http_peer(link, bag: Path, port: int) -> float:
    """Seconds for a plain client (one keep-alive session, sequential GETs) to fetch the same
    bag's files from Python's ``http.server`` over the same link: what the link gives a simple
    HTTP download here, with no Range, hashing, database or Django."""
    import requests

    server = subprocess.Popen(
        link.inside([sys.executable, "-m", "http.server", str(port), "--bind", link.inner_ip,
                     "-d", str(bag), "--protocol", "HTTP/1.1"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_plain(f"http://{link.inner_ip}:{port}/bagit.txt")
        session, files = requests.Session(), sorted(p for p in bag.rglob("*") if p.is_file())
        started = time.perf_counter()
        for path in files:
            url = f"http://{link.inner_ip}:{port}/{path.relative_to(bag).as_posix()}"
            with session.get(url, stream=True, timeout=60) as reply:
                for _chunk in reply.iter_content(65536):
                    pass
        return time.perf_counter() - started
    finally:
        server.kill()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--video-share", type=float, default=0.5)
    parser.add_argument("--link-rate", default="20mbit")
    parser.add_argument(
        "--push",
        choices=("delta", "full"),
        default="delta",
        help="Which bag to push through the link (the full one takes long).",
    )
    parser.add_argument("--loss", default="1%")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("SHUXIANG_TASKS_IMMEDIATE", "false")
    data_dir = Path(setup_django())
    work = Path(tempfile.mkdtemp(prefix="shuxiang-bench-packages-", dir=data_dir))
    try:
        return run(args, data_dir, work)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args, data_dir: Path, work: Path) -> int:
    from huey.contrib.djhuey import HUEY

    from shuxiang.core.actors import SYSTEM
    from shuxiang.distribution import importer, services
    from shuxiang.network.tests.factories import library
    from shuxiang.resources.models import Collection

    HUEY.immediate = False  # derivatives and identifiers are queued, not made
    rng = random.Random(args.seed)
    nlc = library("NLC", None, "national", name="国家图书馆")
    library("330000", "NLC", "provincial")
    county = library("330681", "330000", "county")
    central = Collection.objects.create(library=nlc, code="central", name="中心", kind="central")
    total = int(args.gigabytes * 1e9)
    print(f"generating {total / 1e9:.1f} GB of page images and lecture videos …", flush=True)
    publish_issues(central, page_sizes(int(total * (1 - args.video_share)), rng), rng)
    publish_videos(central, video_sizes(int(total * args.video_share), rng), rng, work)
    package = services.create_package(
        nlc, {"code": "bench", "title": "基层图书馆资源包", "rule": {"collections": [central.pk]}},
        by=SYSTEM,
    )  # fmt: skip
    version = services.build_version(package, by=SYSTEM)
    size, count = version.payload_bytes, version.file_count
    print(f"package v1: {size / 1e9:.2f} GB in {count} files")
    payload = Path(version.bag_path) / "data"

    # each side twice, interleaved, the faster of each kept: on a machine shared with other
    # agents one sample of either side can land in a burst of someone else's I/O
    base_export = export_s = base_import = import_s = float("inf")
    counties = [county, library("330682", "330000", "county")]
    for turn in range(2):
        base_export = min(base_export, cp_and_sha256sum(payload, work / "cp-export"))
        shutil.rmtree(work / "cp-export")
        (work / f"export{turn}").mkdir()
        seconds, bag = timed(
            lambda turn=turn: services.export_version(version, work / f"export{turn}", by=SYSTEM)
        )
        export_s = min(export_s, seconds)
        base_import = min(base_import, cp_and_sha256sum(bag / "data", work / "cp-import"))
        shutil.rmtree(work / "cp-import")
        seconds, _ = timed(
            lambda bag=bag, turn=turn: importer.import_bag(bag, counties[turn], by=SYSTEM)
        )
        import_s = min(import_s, seconds)
        shutil.rmtree(work / f"export{turn}")
    export_ratio, import_ratio = base_export / export_s, base_import / import_s
    print(f"export: {size / export_s / 1e6:.0f} MB/s; cp+sha256sum {size / base_export / 1e6:.0f}"
          f" MB/s; ratio {export_ratio:.2f}")  # fmt: skip
    print(f"import: {size / import_s / 1e6:.0f} MB/s; cp+sha256sum {size / base_import / 1e6:.0f}"
          f" MB/s; ratio {import_ratio:.2f}")  # fmt: skip

    change_five_percent(package, central, size, rng)
    delta = services.build_version(package, by=SYSTEM, delta_from=1)
    delta_share = delta.payload_bytes / size
    print(f"delta v2 from v1: {delta.payload_bytes / 1e6:.1f} MB in {delta.file_count} files = "
          f"{delta_share:.1%} of the full package")  # fmt: skip

    pushed = delta if args.push == "delta" else version
    seconds, rate, kind, peer = push_through_link(pushed, args, data_dir, work)
    push_ratio = pushed.payload_bytes / seconds / rate
    print(f"plain http.server + sequential GETs of the same bag over the same link: "
          f"{pushed.payload_bytes / peer / 1e6:.2f} MB/s = {pushed.payload_bytes / peer / rate:.2f}"
          f" of the link; our pull against it: {peer / seconds:.2f}")  # fmt: skip
    print(f"push of the {args.push} bag ({pushed.payload_bytes / 1e6:.0f} MB) over "
          f"{args.link_rate}, {args.loss} loss ({kind}): {pushed.payload_bytes / seconds / 1e6:.2f}"
          f" MB/s against the link's {rate / 1e6:.2f} MB/s; ratio {push_ratio:.2f}")  # fmt: skip
    result = {
        "bench": "packages", "metric": "export_rate_ratio", "value": round(export_ratio, 3),
        "baseline": "cp -r + sha256sum of the same files", "ratio": round(export_ratio, 3),
        "import_ratio": round(import_ratio, 3), "delta_share": round(delta_share, 4),
        "push_ratio": round(push_ratio, 3), "push_vs_plain_http": round(peer / seconds, 3),
        "push_link": f"{args.push} bag, {args.link_rate} {args.loss} ({kind})",
        "package_bytes": size, "files": count, "unit": "ratio",
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
