"""Phone first: catalog pages stay under 100 KB on first load (HTML + CSS + JS, no images)."""

from __future__ import annotations

import re

import pytest

from shuxiang.portal.demo import load_demo_portal

BUDGET = 100 * 1024
ASSET_RE = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def first_load_bytes(client, url: str) -> tuple[int, list[str]]:
    """Bytes of the page and of every stylesheet and script it loads, as served (uncompressed)."""
    page = client.get(url)
    assert page.status_code == 200, url
    html = _body(page)
    assets = ASSET_RE.findall(html.decode())
    total = len(html)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        total += len(_body(response))
    return total, assets


@pytest.mark.parametrize(
    "url", ["/", "/s/330600/", "/sites/", "/topics/{topic}/", "/read/demo:lunyu/1/"]
)
def test_catalog_pages_transfer_under_100_kb_on_first_load(client, net, url):
    load_demo_portal()
    from shuxiang.portal.models import Topic

    total, assets = first_load_bytes(client, url.format(topic=Topic.objects.get().pk))
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    assert total < BUDGET, f"{url}: {total} bytes"
