"""Proxied use lands in the node's COUNTER reports; a pause alerts staff through stats."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of, reader, staff_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.jobs import Job
from shuxiang.proxy import services, usage
from shuxiang.proxy.stanzas import Origin
from shuxiang.stats import events, monitoring
from shuxiang.stats.counter.schema import errors
from shuxiang.stats.models import Alert

LAST_MONTH = timezone.now() - dt.timedelta(days=timezone.localdate().day + 1)
STANZA = "Title 期刊库 Vendor\nURL https://journals.example.org/\nHJ journals.example.org\n"


@pytest.fixture
def definition(net, monkeypatch):
    monkeypatch.setenv("SHUXIANG_PROXY_DOMAIN", "proxy.zjlib.cn")
    monkeypatch.setenv("SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR", "2")
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    row = services.vendor_for(Origin("https", "journals.example.org"))
    data = {"search_patterns": [r"^/search\?"], "item_patterns": [r"^/article/\d+$"]}
    return services.update_vendor(row.pk, data, by=staff_of(net["zj"]))


def _report(client, net, report_id: str) -> dict:
    key = issue_api_token(admin_of(net["zj"]), "sushi")
    month = LAST_MONTH.strftime("%Y-%m")
    params = {"customer_id": "330000", "api_key": key, "begin_date": month, "end_date": month}
    body = client.get(f"/sushi/r5/reports/{report_id}", params).json()
    problems = errors(body, report_id.upper())
    assert problems == [], "\n".join(problems)
    return body


def test_answers_become_counter_events_by_url_pattern_and_content_type(definition):
    cases = [
        ("pdf", 200, "/a.pdf", "", "download"),
        ("pdf", 206, "/a.pdf", "bytes 0-99/1000", "download"),
        ("pdf", 206, "/a.pdf", "bytes 100-999/1000", ""),  # a resume is the same request
        ("html", 200, "/search?q=论语", "", "search"),
        ("html", 200, "/article/12", "", "item_view"),
        ("html", 200, "/about", "", "page_view"),
        ("html", 302, "/article/12", "", ""),
        ("other", 200, "/logo.png", "", ""),
        ("pdf", 404, "/gone.pdf", "", ""),
    ]
    for kind, status, target, content_range, expected in cases:
        assert usage.event_of(definition, kind, status, target, content_range)[0] == expected, (
            target
        )


def test_proxied_use_shows_in_the_database_and_platform_reports(client, net, definition):
    zhuji, lanzhou = reader(net["zhuji"]), reader(net["lz"])
    at = {"at": LAST_MONTH}  # SUSHI reports complete months only
    for n in range(3):
        usage.record_answer(zhuji, definition, "pdf", 200, f"/paper{n}.pdf", **at)
    usage.record_answer(zhuji, definition, "html", 200, "/article/7", **at)
    usage.record_answer(zhuji, definition, "html", 200, "/search?q=x", **at)
    usage.record_refusal(lanzhou, definition, 403, "/", **at)
    usage.record_refusal(zhuji, definition, 429, "/paper9.pdf", **at)
    events.flush()
    body = _report(client, net, "dr")
    database = next(i for i in body["Report_Items"] if i["Database"] == "期刊库 Vendor")
    performance = {}
    for block in database["Attribute_Performance"]:
        for metric, months in block["Performance"].items():
            performance[metric] = performance.get(metric, 0) + sum(months.values())
    assert performance["Total_Item_Requests"] == 3
    assert performance["Total_Item_Investigations"] == 4
    assert performance["Unique_Item_Requests"] == 3  # three papers, one reader, one day
    assert performance["Searches_Regular"] == 1
    assert performance["Limit_Exceeded"] == 1
    assert performance.get("No_License", 0) == 0  # the Gansu reader counts for Gansu, not Zhejiang
    platform = _report(client, net, "pr")["Report_Items"][0]["Attribute_Performance"]
    totals = {m: sum(v.values()) for b in platform for m, v in b["Performance"].items()}
    assert totals["Total_Item_Requests"] == 3 and totals["Searches_Platform"] == 1


def test_a_pause_alerts_the_staff_through_the_stats_alert_rules_and_lifting_resolves(
    net, definition
):
    admin = admin_of(net["zj"])
    monitoring.add_alert_rule(
        admin, net["zj"], {"condition": "reader_paused", "email": "staff@zjlib.cn"}
    )
    monitoring.add_alert_rule(  # another province's rule hears nothing
        admin_of(net["gs"]), net["gs"], {"condition": "reader_paused", "email": "gs@lib.cn"}
    )
    person = reader(net["zhuji"])
    for n in range(3):
        pause = services.count(person, definition, "pdf", 1000, f"/p{n}.pdf")
    assert pause is not None
    alert = Alert.objects.get()
    assert alert.rule.library == net["zj"] and person.username in alert.message
    assert "/p2.pdf" in alert.message and alert.resolved_at is None
    assert Job.objects.filter(kind=monitoring.DELIVER, payload={"alert": alert.pk}).exists()
    assert monitoring.evaluate_alerts() == [] and Alert.objects.get().resolved_at is None
    services.lift(pause.pk, by=staff_of(net["zj"]))
    assert Alert.objects.get().resolved_at is not None
