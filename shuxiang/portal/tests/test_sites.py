"""Branch sites: a request is for the library named by its host or its /s/<code>/ prefix."""

from __future__ import annotations

import pytest
from django.utils import translation

from shuxiang.network.models import Library
from shuxiang.portal.sites import contrast, readable_on_white


def test_a_domain_of_a_library_serves_that_librarys_site(client, net):
    page = client.get("/", HTTP_HOST="sx.example.org").content.decode()
    assert '<h1 id="site-name">330600图书馆</h1>' in page
    assert "书香绍兴" in page


def test_an_unknown_host_gets_the_national_site(client, net):
    page = client.get("/", HTTP_HOST="elsewhere.example.net").content.decode()
    assert '<h1 id="site-name">国家图书馆</h1>' in page


@pytest.mark.parametrize("segment", ["330600", "shaoxing"])
def test_a_site_prefix_names_the_library_by_code_or_site_path(client, net, segment):
    response = client.get(f"/s/{segment}/")
    assert response.status_code == 200
    assert '<h1 id="site-name">330600图书馆</h1>' in response.content.decode()


def test_links_on_a_prefixed_site_stay_inside_the_prefix(client, net):
    page = client.get("/s/shaoxing/").content.decode()
    assert 'href="/s/shaoxing/sites/"' in page
    assert 'rel="manifest" href="/s/shaoxing/manifest.webmanifest"' in page


def test_an_unknown_site_prefix_is_not_found(client, net):
    assert client.get("/s/nowhere/").status_code == 404


def test_a_rejected_library_has_no_site(client, net):
    net["yuzhong"].status = Library.Status.REJECTED
    net["yuzhong"].save()
    assert client.get("/s/620123/").status_code == 404


def test_the_site_colour_is_set_as_a_css_custom_property(client, net):
    page = client.get("/s/330600/").content.decode()
    assert ":root{--accent:#1a5fb4;" in page
    assert '<meta name="theme-color" content="#1a5fb4">' in page


def test_a_pale_brand_colour_is_darkened_until_white_text_on_it_is_legible(client, net):
    net["hz"].branding = {"primary_color": "#ffdd00"}
    net["hz"].save()
    page = client.get("/s/330100/").content.decode()
    assert "--accent:#ffdd00" not in page
    assert contrast(readable_on_white("#ffdd00"), "#ffffff") >= 4.5
    assert readable_on_white("#1a5fb4") == "#1a5fb4"


def test_the_manifest_carries_the_sites_name_colour_and_start_page(client, net):
    body = client.get("/s/shaoxing/manifest.webmanifest").json()
    assert body["name"] == "330600图书馆"
    assert body["theme_color"] == "#1a5fb4"
    assert body["start_url"] == "/s/shaoxing/"


def test_the_site_switcher_lists_the_libraries_above_and_below(client, net):
    with translation.override("en"):
        page = client.get("/s/330600/sites/").content.decode()
    assert 'href="/s/330681/">330681图书馆' in page
    assert 'href="/s/330000/">330000图书馆' in page
    found = client.get("/sites/", {"q": "620123"}).content.decode()
    assert "620123图书馆" in found


def test_the_script_prefix_is_restored_after_a_prefixed_request(client, net):
    client.get("/s/330600/")
    assert 'href="/sites/"' in client.get("/").content.decode()
