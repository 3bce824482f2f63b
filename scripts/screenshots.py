#!/usr/bin/env python3
"""Phone screenshots of the main pages for the README, from a running demo node.

    scripts/demo &                     # or: shuxiang demo
    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]

Debian's Chromium (/usr/bin/chromium) through Playwright at a 390 × 844 phone viewport; each
page is saved as a small JPEG (the first screen only, quality 60), so the README stays light.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGES = [
    ("home", "/", None),
    ("branch", "/s/330600/", None),
    ("search", "/search?q=李白", None),
    ("resources", "/resources/", None),
    ("reader", "/read/demo:lunyu/1/", None),
    ("stats", "/stats/NLC/", ("nlc_admin", "demo2026")),
]


def shoot(page, target: Path) -> int:
    png = page.screenshot(full_page=False)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.save(target, "JPEG", quality=60, optimize=True, progressive=True)
    return target.stat().st_size


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_identifier", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
        context = browser.new_context(**phone, locale="zh-CN", device_scale_factor=1)
        page = context.new_page()
        for name, path, login in PAGES:
            if login:
                log_in(page, args.base, *login)
            page.goto(args.base + path)
            page.wait_for_timeout(1500)  # charts' entry animation, lazy covers
            size = shoot(page, args.out / f"{name}.jpg")
            print(f"{name}: {size // 1024} KB")
        browser.close()


if __name__ == "__main__":
    main()
