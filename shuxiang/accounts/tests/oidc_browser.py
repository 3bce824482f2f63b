"""A person's browser for OIDC tests over real HTTP: follows redirects, fills our forms."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Browser:
    """A cookie-keeping ``requests`` session that logs in and consents like a reader."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only: never through a proxy from the environment

    def _csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def open_until_offsite(self, url: str, *, identifier: str, password: str) -> str:
        """Follow ``url`` through login and consent; return the first off-site redirect."""
        response = self.http.get(url, allow_redirects=False, timeout=10)
        for _ in range(10):
            if response.status_code in (301, 302, 303):
                target = urljoin(response.url, response.headers["Location"])
                if not target.startswith(self.base):
                    return target
                response = self.http.get(target, allow_redirects=False, timeout=10)
            elif 'name="identifier"' in response.text:
                response = self._login(response, identifier, password)
            elif 'id="authorizationForm"' in response.text:
                response = self._consent(response)
            else:
                raise AssertionError(f"unexpected page {response.url}: {response.text[:500]}")
        raise AssertionError("too many steps")

    def _login(self, page, identifier: str, password: str):
        next_url = parse_qs(urlsplit(page.url).query).get("next", [""])[0]
        form = {
            "identifier": identifier,
            "password": password,
            "next": next_url,
            "csrfmiddlewaretoken": self._csrf(),
        }
        return self.http.post(
            urljoin(self.base, "/accounts/login/"),
            data=form,
            headers={"Referer": page.url},  # as a browser does (Django checks it over HTTPS)
            allow_redirects=False,
            timeout=10,
        )

    def _consent(self, page):
        fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
        fields["allow"] = "Authorize"
        return self.http.post(
            page.url,
            data=fields,
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=10,
        )
