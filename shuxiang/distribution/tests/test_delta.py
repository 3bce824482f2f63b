"""Delta packages: v1, then delta v2, then delta v3, gives the same store (same bytes, same
metadata) as importing a full v3; a delta ships only what changed plus a list of removals."""

from __future__ import annotations

import io

import bagit

from shuxiang.core.actors import SYSTEM
from shuxiang.distribution import bagcheck, services
from shuxiang.distribution.tests.test_import import store_of
from shuxiang.resources import services as resources
from shuxiang.resources.models import ResourceFile
from shuxiang.resources.storage import get_storage
from shuxiang.resources.tests.helpers import png_bytes, published, upload


def replace_file(row: ResourceFile, data: bytes) -> None:
    """A file regenerated at the source (as a derivative job does): new key, new bytes."""
    stored = get_storage().save(row.key + ".v2", io.BytesIO(data))
    row.key, row.size, row.sha256 = stored.key, stored.size, stored.sha256
    row.save()


def payload_paths(bag) -> set[str]:
    return {p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file()}


def test_v1_then_deltas_equals_full_v3(
    net, package, central, classics, tmp_path, django_capture_on_commit_callbacks
):
    v1 = services.build_version(package, by=SYSTEM)
    # v2: a title corrected, a new photo added
    classics[0].title = "老照片一（修订）"
    classics[0].save()
    added = published(central, title="新年画", files=[upload("n.png", png_bytes("green"))])
    v2 = services.build_version(package, by=SYSTEM, delta_from=1)
    # v3: a photo withdrawn at the source, a file regenerated
    resources.withdraw(classics[1], by=SYSTEM, reason="版权到期")
    replace_file(added.files.get(role="original"), png_bytes("yellow", (80, 60)))
    v3 = services.build_version(package, by=SYSTEM, delta_from=2)
    full3 = services.full_bag(v3, by=SYSTEM)

    d2 = bagcheck.verify_bag(v2.bag_path)
    assert d2.base_number == 1 and d2.removals == []
    unchanged = f"data/resources/r{classics[2].pk:08d}/metadata.json"
    assert unchanged not in d2.payload  # the journal did not change: not shipped
    d3 = bagcheck.verify_bag(v3.bag_path)
    gone = f"data/resources/r{classics[1].pk:08d}/metadata.json"
    assert gone in d3.removals
    assert v3.payload_bytes < full3.payload_bytes
    for version in (v1, v2, v3, full3):
        bagit.Bag(version.bag_path).validate()

    county, other, behind = net["zhuji"], net["yuzhong"], net["lz"]
    with django_capture_on_commit_callbacks(execute=True):
        for version in (v1, v2, v3):
            bagcheck.import_bag(version.bag_path, county, by=SYSTEM)
        bagcheck.import_bag(full3.bag_path, other, by=SYSTEM)
        bagcheck.import_bag(v1.bag_path, behind, by=SYSTEM)  # missed v2: catches up with a full v3
        bagcheck.import_bag(full3.bag_path, behind, by=SYSTEM)
    caught_up, fresh = store_of(county), store_of(other)
    assert caught_up == fresh == store_of(behind)
    assert len(fresh["metadata"]) == 3
    titles = {m["fields"]["title"] for m in fresh["metadata"].values()}
    assert titles == {"老照片一（修订）", "新年画", "期刊 2014 年第 1 期"}
    # nothing left over in the store of the library that applied the deltas
    left = set(get_storage().keys(f"packages/{county.code}/"))
    assert left == set(
        ResourceFile.objects.filter(resource__library=county).values_list("key", flat=True)
    )
