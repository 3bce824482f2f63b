"""Passing a package on down the tree between three real nodes (the federation ``cluster``:
national → province → city, each a ``shuxiang serve`` process): the national centre pushes a
package to the province, the province pulls it with signed requests and re-offers the same
bag to the city, the city verifies the centre's signature through the province's endorsement
and imports it, and the centre's deployments page counts the city, reached through the
province."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

NATIONAL = """
import json
from shuxiang.core.actors import SYSTEM
from shuxiang.distribution import deployments, services
from shuxiang.network.models import Library
from shuxiang.resources.models import Collection
from shuxiang.resources.tests.helpers import png_bytes, published, upload
nlc = Library.objects.get(code="NLC")
central = Collection.objects.create(library=nlc, code="relay", name="中心", kind="central")
for i, color in enumerate(["red", "green", "blue"]):
    published(central, title=f"年画{i}", files=[upload(f"page-{i}.png", png_bytes(color))])
package = services.create_package(nlc, {"code": "relay-demo", "title": "转推资源包",
                                        "rule": {"collections": [central.pk]}}, by=SYSTEM)
version = services.build_version(package, by=SYSTEM)
deployments.push(package, ["ZJLIB"], by=SYSTEM)
print(json.dumps({"key": version.key_id, "sha": version.tagmanifest_sha256}))
"""

STATUS = """
import json
from shuxiang.core.actors import SYSTEM
from shuxiang.distribution import deployments
from shuxiang.distribution.models import Package
package = Package.objects.get(code={code!r}, library__code={library!r})
rows = deployments.status(package, by=SYSTEM)
print(json.dumps({{"rows": {{r.library.code: [r.state, r.deployment and r.deployment.held]
                            for r in rows}},
                  "coverage": deployments.coverage(rows)}}))
"""

RECEIVED = """
import json
from shuxiang.distribution.models import ImportedPackage, ImportedResource, Package, Transfer
pulled = list(Transfer.objects.values_list("state", "reason"))
held = ImportedPackage.objects.filter(library__code={library!r}).first()
if held is None:
    raise SystemExit(f"nothing imported: {{pulled}}")
relay = Package.objects.filter(library__code={library!r}).values("code", "origin").first()
print(json.dumps({{"external_id": held.external_id, "version": held.version,
                  "resources": ImportedResource.objects.filter(package=held).count(),
                  "relay": relay, "transfers": pulled}}))
"""


def test_a_province_passes_the_centres_bag_on_and_the_centre_sees_the_city(cluster):
    built = json.loads(cluster.national.run(NATIONAL).strip().splitlines()[-1])
    pulled = cluster.province.cli("packages", "pull")  # signed; the job runs it at once
    assert "1 offers" in pulled, pulled
    province = json.loads(cluster.province.run(RECEIVED.format(library="ZJLIB")))
    assert province["transfers"] == [["imported", ""]]
    assert province["external_id"] == "shuxiang:NLC:relay-demo" and province["resources"] == 3
    assert province["relay"] == {"code": "relay-demo", "origin": "shuxiang:NLC:relay-demo"}
    pushed = cluster.province.cli("packages", "push", "ZJLIB/relay-demo", "--to", "HZLIB")
    assert "HZLIB\toffered v1" in pushed
    cluster.city.cli("packages", "pull")  # the city knows only the province's key
    city = json.loads(cluster.city.run(RECEIVED.format(library="HZLIB")))
    assert city["transfers"] == [["imported", ""]]
    assert city["external_id"] == "shuxiang:NLC:relay-demo" and city["resources"] == 3
    bag_info = cluster.city.run(
        "from shuxiang.distribution.models import Transfer; "
        "import pathlib; t = Transfer.objects.get(); "
        "print((pathlib.Path(t.folder) / 'bag-info.txt').read_text())"
    )
    assert f"Shuxiang-Key-Id: {built['key']}" in bag_info  # the centre's signature, kept
    seen = json.loads(cluster.national.run(STATUS.format(code="relay-demo", library="NLC")))
    assert seen["rows"]["ZJLIB"] == ["imported", 1]
    assert seen["rows"]["HZLIB"] == ["imported", 1], seen  # reached through the province
    levels = {f["level"]: f for f in seen["coverage"]}
    assert levels["city"] == {"level": "city", "total": 1, "reached": 1, "current": 1}
