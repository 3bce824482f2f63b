"""The /oai fast path answers anonymous harvests before Django's middleware, exactly as the view
does (body, headers, metrics), and leaves every personalised request to the view."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from prometheus_client import REGISTRY

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of
from shuxiang.catalog import services
from shuxiang.catalog.oai.fastpath import OaiFastPath
from shuxiang.catalog.oai.provider import repository_id
from shuxiang.catalog.oai.tokens import TOKEN_SALT
from shuxiang.catalog.tests.factories import record
from shuxiang.catalog.tests.xsd import assert_valid
from shuxiang.core.actors import SYSTEM
from shuxiang.identifiers.tests.test_fastpath import call
from shuxiang.network.tests.factories import small_network

OAI = "{http://www.openarchives.org/OAI/2.0/}"
MOVING = re.compile(
    rb"<responseDate>[^<]*</responseDate>|expirationDate=\"[^\"]*\"|>[^<>]+</resumptionToken>"
)
TOKEN = re.compile(rb">([^<>]+)</resumptionToken>")


class Recorder:
    """The Django application, noting the paths it had to answer."""

    def __init__(self):
        from django.core.handlers.asgi import ASGIHandler

        self.app, self.paths = ASGIHandler(), []  # its middleware reads the test's settings

    async def __call__(self, scope, receive, send):
        self.paths.append(scope.get("path"))
        return await self.app(scope, receive, send)


@pytest.fixture
def shelves(transactional_db, tantivy_engine):
    """Public and staff-only records of one library (committed: the fast path has its own
    connection), one public tombstone, and more than a page of public records."""
    net = small_network()
    made = {
        "public": [record(f"县志 {n} & <甲>", library=net["sx"]) for n in range(7)],
        "staff": record("县志 staff", library=net["sx"], access="staff"),
    }
    gone = record("县志 gone", library=net["sx"])
    services.delete_record(gone.pk, by=SYSTEM)
    made["gone"] = gone
    return net, made


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("shuxiang.catalog.oai.provider.PAGE_SIZE", 3)


def query(**params) -> bytes:
    from urllib.parse import urlencode

    return urlencode(params).encode()


def both(q: bytes, headers: dict | None = None):
    """(fast path answer, Django view answer, paths Django was asked for)."""
    recorder = Recorder()
    fast = call(OaiFastPath(recorder), "/oai", headers, q)
    slow = call(recorder.app, "/oai", headers, q)
    return fast, slow, recorder.paths


def same(fast, slow) -> None:
    assert fast[0] == slow[0] == 200
    assert fast[1] == {**slow[1], "content-length": fast[1]["content-length"]}
    assert MOVING.sub(b"", fast[2]) == MOVING.sub(b"", slow[2])
    assert [state(t) for t in TOKEN.findall(fast[2])] == [state(t) for t in TOKEN.findall(slow[2])]


def state(token: bytes) -> dict:
    """What a resumption token carries, but for its expiry (issued a second apart at most)."""
    return {k: v for k, v in signing.loads(token.decode(), salt=TOKEN_SALT).items() if k != "exp"}


def test_a_full_anonymous_harvest_is_the_views_answer_without_django(shelves, small_pages):
    _net, made = shelves
    q, seen = query(verb="ListRecords", metadataPrefix="oai_dc"), set()
    while q:
        fast, slow, asked = both(q)
        assert asked == []  # Django never ran for the fast path's request
        same(fast, slow)
        doc = assert_valid(fast[2])
        seen |= {h.findtext(f"{OAI}identifier") for h in doc.iter(f"{OAI}header")}
        token = doc.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
        q = query(verb="ListRecords", resumptionToken=token) if token else b""
    public = {f"oai:{repository_id()}:{r.pk}" for r in [*made["public"], made["gone"]]}
    assert seen == public  # the staff-only record is not shown to anonymous harvesters


@pytest.mark.parametrize(
    "params",
    [
        {"verb": "Identify"},
        {"verb": "ListMetadataFormats"},
        {"verb": "ListSets"},
        {"verb": "ListIdentifiers", "metadataPrefix": "shuxiang"},
        {"verb": "ListRecords", "metadataPrefix": "shuxiang", "from": "2000-01-01"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1999-01-01"},
        {"verb": "ListRecords", "resumptionToken": "forged"},
        {"verb": "Nonsense"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc"},
    ],
)
def test_every_verb_and_error_is_answered_as_the_view_does(shelves, params):
    fast, slow, asked = both(query(**params))
    assert asked == []
    same(fast, slow)
    assert_valid(fast[2])


def test_get_record_hides_what_anonymous_search_hides(shelves):
    _net, made = shelves
    for kept, hidden in ((made["public"][0], False), (made["staff"], True)):
        identifier = f"oai:{repository_id()}:{kept.pk}"
        q = query(verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier)
        fast, slow, _ = both(q)
        same(fast, slow)
        assert (b'code="idDoesNotExist"' in fast[2]) is hidden


def test_bearer_tokens_sessions_and_posts_go_to_the_view(shelves):
    net, made = shelves
    secret = issue_api_token(admin_of(net["sx"]), "harvester")
    identifier = f"oai:{repository_id()}:{made['staff'].pk}"
    q = query(verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier)
    for headers in (
        {"Authorization": f"Bearer {secret}"},
        {"Authorization": "Bearer not-a-token"},
        {"Cookie": "sessionid=whatever"},
    ):
        fast, slow, asked = both(q, headers)
        assert asked == ["/oai"]
        assert fast[0] == slow[0]
    fast, _slow, _ = both(q, {"Authorization": f"Bearer {secret}"})
    assert b"idDoesNotExist" not in fast[2]  # the token holder's scope, widened by the view
    recorder = Recorder()
    status, _head, _body = call(OaiFastPath(recorder), "/oai", None, b"", method="POST")
    assert recorder.paths == ["/oai"] and status == 200


def test_a_host_django_refuses_is_refused(shelves, settings):
    settings.ALLOWED_HOSTS = ["library.example"]
    fast, slow, asked = both(query(verb="Identify"))
    assert asked == ["/oai"] and fast[0] == slow[0] == 400


def test_https_answers_carry_hsts_as_the_view_does(shelves, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 3600, True
    fast, slow, asked = both(query(verb="Identify"), {"X-Forwarded-Proto": "https"})
    assert asked == []
    same(fast, slow)
    assert fast[1]["strict-transport-security"] == "max-age=3600; includeSubDomains"
    assert b"<baseURL>https://testserver/oai</baseURL>" in fast[2]


def test_requests_are_counted_and_timed_under_the_views_route(shelves):
    labels = {"method": "GET", "route": "oai", "status": "200"}

    def counted() -> float:
        return REGISTRY.get_sample_value("shuxiang_http_requests_total", labels) or 0.0

    before = counted()
    both(query(verb="Identify"))  # once by the fast path, once by the view
    assert counted() == before + 2
