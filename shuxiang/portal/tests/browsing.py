"""What the browser tests share: Debian's Chromium at a phone viewport, login, axe-core.

Screenshots go to ``test-artifacts/``; axe-core comes from npm (``node_modules``).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from shuxiang.accounts.tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def phone_page(browser, errors: list[str], **options):
    context = browser.new_context(**PHONE, locale="zh-CN", **options)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page


def log_in(page, base: str, next_path: str, username: str = "reader") -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_identifier", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def saves_position_in(response, chapter: int) -> bool:
    """Whether ``response`` answers the reader's PUT of a position in ``chapter`` (counted from
    0: the page of chapter ``chapter + 1``), so a test waits for that save and no other."""
    request = response.request
    if "me/positions" not in response.url or request.method != "PUT" or not response.ok:
        return False
    return (request.post_data_json or {}).get("locator", {}).get("chapter") == chapter


def font_size(page) -> str:
    return page.eval_on_selector("#chapter", "e => getComputedStyle(e).fontSize")


def eventually(page, script: str, seconds: float = 15) -> bool:
    """Poll ``script`` in the page (wait_for_function would need 'unsafe-eval' under our CSP)."""
    for _attempt in range(int(seconds * 4)):
        if page.evaluate(script):
            return True
        page.wait_for_timeout(250)
    return False


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return found


def artifacts_dir(tmp_path_factory) -> Path:
    """Where screenshots are kept: ``$SHUXIANG_TEST_ARTIFACTS`` if set, else pytest's tmp dir."""
    import os

    chosen = os.environ.get("SHUXIANG_TEST_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def chromium():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser).

    Playwright runs an event loop in this thread for as long as the browser lives, so the ORM
    calls of the test (and of its database fixtures) are allowed beside it meanwhile.
    """
    import os

    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (scripts/setup-system)"
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield launched
            finally:
                launched.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when nothing scrolls sideways)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
