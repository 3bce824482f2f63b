"""Two phones watch a live lecture (Debian's Chromium, Playwright) on a real uvicorn server: a
question asked on one appears on the other within a second, over server-sent events; the host
hides it and it leaves both. A third phone without EventSource polls the since-id endpoint.
Embedded mode fans out in process, server mode through Redis."""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import staff_of, user
from shuxiang.core.actors import SYSTEM
from shuxiang.courses import services
from shuxiang.courses.tests.asgi_server import AsgiServer
from shuxiang.courses.tests.helpers import world
from shuxiang.portal.tests.browsing import PHONE, chromium, eventually, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUESTION = "活字印刷术什么时候传到朝鲜"
CONNECTED = "document.getElementById('live-status').textContent === '●'"
WATCH = """text => { window.__seenAt = 0; const list = document.getElementById('question-list');
  new MutationObserver(() => { if (!window.__seenAt && list.textContent.includes(text)) {
    window.__seenAt = Date.now(); } }).observe(list, {childList: true, subtree: true}); }"""
ASK = """text => { document.getElementById('question-text').value = text;
  window.__sentAt = Date.now(); document.getElementById('ask').requestSubmit(); }"""


def _phone(browser, base: str, username: str, path: str, *, no_event_source: bool = False):
    context = browser.new_context(**PHONE, locale="zh-CN")
    if no_event_source:  # a browser (or a proxy) without server-sent events: polling instead
        context.add_init_script("delete window.EventSource;")
    page = context.new_page()
    log_in(page, base, path, username)
    page.goto(base + path)
    return context, page


def test_a_question_reaches_the_other_phone_within_a_second_and_moderation_hides_it():
    w = world()
    lecture = services.add_lecture(w["course"], {"title": "直播：活字印刷"}, by=SYSTEM)
    services.set_live_state(lecture, "live", by=SYSTEM)
    user("asker"), user("watcher"), user("poller")
    host = staff_of(w["nlc"], "librarian")
    path = lecture.get_absolute_url()
    with AsgiServer() as server, chromium() as browser:
        asker_context, asker = _phone(browser, server.url, "asker", path)
        watcher_context, watcher = _phone(browser, server.url, "watcher", path)
        host_context, host_page = _phone(browser, server.url, host.username, f"{path}host/")
        poller_context, poller = _phone(browser, server.url, "poller", path, no_event_source=True)
        for page in (asker, watcher, host_page):
            assert eventually(page, CONNECTED), "the event stream did not open"
        watcher.evaluate(WATCH, QUESTION)
        asker.evaluate(ASK, QUESTION)
        assert eventually(watcher, "window.__seenAt > 0", seconds=5)
        delay = watcher.evaluate("window.__seenAt") - asker.evaluate("window.__sentAt")
        assert delay < 1000, f"the question took {delay} ms"
        seen = f"document.getElementById('question-list').textContent.includes('{QUESTION}')"
        assert eventually(poller, seen, seconds=2), "polling did not bring the question"
        assert eventually(host_page, f"document.body.textContent.includes('{QUESTION}')")
        host_page.click(f"#question-list li:has-text('{QUESTION}') button[data-action=hide]")
        gone = f"!document.getElementById('question-list').textContent.includes('{QUESTION}')"
        assert eventually(asker, gone, seconds=1) and eventually(watcher, gone, seconds=1)
        assert eventually(poller, gone, seconds=2)
        assert host_page.locator("#question-list li.q-hidden").count() == 1
        for context in (asker_context, watcher_context, host_context, poller_context):
            context.close()
