"""Password logins per second per core through the full HTTP login, against bare argon2.

Starts ``shuxiang serve --workers 1`` (one process: one core's worth of server) and logs a
reader in over loopback again and again as a browser does: GET the login page (CSRF cookie and
token), POST identifier and password, follow nothing (the 302 with a fresh session is the
success). Every login runs the whole login service: identifier normal form, account look-up,
lockout store read and clear, one argon2 verification, session creation. The baseline is the
bare ``check_password`` rate (the same argon2 hash and parameters) measured in this process in
the same run: the ratio says how much of a login is argon2. Keycloak's sizing guide plans
about 15 password logins per second per vCPU, which the report line repeats for comparison.
Server mode is measured with ``SHUXIANG_DATABASE_URL`` / ``SHUXIANG_REDIS_URL`` set as usual.
Last line: JSON result.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, setup_django  # noqa: E402
from portal import free_port, server_environment, stop, wait_until_up  # noqa: E402

PASSWORD = "bench2026"
KEYCLOAK_PER_VCPU = 15.0
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def make_reader() -> str:
    """A real-name reader registered through the service; returns their mobile number."""
    import datetime as dt

    from shuxiang.accounts import registration
    from shuxiang.accounts.resident_id import generate
    from shuxiang.network.divisions import load_divisions

    load_divisions(progress=False)
    mobile = "13800000000"
    number = generate("330681", dt.date(1990, 5, 17), 1)
    registration.register_real_name("张三", number, PASSWORD, mobile=mobile)
    return mobile


def bare_argon2_rate(seconds: float) -> tuple[float, str]:
    """check_password calls per second against one stored hash (the floor of a login)."""
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    encoded = make_password(PASSWORD)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or count < 3:
        assert check_password(PASSWORD, encoded)
        count += 1
    hasher = get_hasher()
    params = (
        f"{hasher.algorithm} t={hasher.time_cost} m={hasher.memory_cost} p={hasher.parallelism}"
    )
    return count / (time.perf_counter() - start), params


def one_login(base: str, identifier: str) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    page = opener.open(base + "/accounts/login/", timeout=60).read()
    token = TOKEN.search(page).group(1).decode()
    body = urllib.parse.urlencode(
        {"identifier": identifier, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        base + "/accounts/login/", data=body, headers={"Referer": base + "/accounts/login/"}
    )
    try:
        opener.open(request, timeout=60)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise RuntimeError(f"login answered {exc.code}: {exc.read()[:300]!r}") from None
        return
    raise RuntimeError("login did not redirect: the password was refused")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login_rate(base: str, identifier: str, seconds: float) -> tuple[float, list[float]]:
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        began = time.perf_counter()
        one_login(base, identifier)
        times.append(time.perf_counter() - began)
    return len(times) / (time.perf_counter() - start), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20, help="Duration of each measure.")
    args = parser.parse_args()
    data_dir = setup_django()
    identifier = make_reader()
    tmp = Path(tempfile.mkdtemp(prefix="shuxiang-bench-login-"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "shuxiang.cli", "serve", "--port", str(port), "--workers", "1"],
        env=server_environment(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "server.log").open("w"),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz")
        one_login(base, identifier)  # warm up
        bare_before, params = bare_argon2_rate(args.seconds / 2)
        logins, times = login_rate(base, identifier, args.seconds)
        bare_after, _params = bare_argon2_rate(args.seconds / 2)
    finally:
        stop(server)
    bare = (bare_before + bare_after) / 2
    median_ms = statistics.median(times) * 1000
    spread = f"before {bare_before:.2f}, after {bare_after:.2f}"
    print(f"argon2 ({params}): {bare:.2f} verifications/s ({spread})")
    print(f"full HTTP login, 1 worker: {logins:.2f} logins/s, median {median_ms:.0f} ms")
    print(f"share of a login that is not argon2: {max(0.0, 1 - logins / bare):.1%}")
    print(f"Keycloak sizing guide: about {KEYCLOAK_PER_VCPU:.0f} password logins/s per vCPU")
    report(
        "accounts_login",
        "password logins/s per core (HTTP login page, argon2 included, 1 worker)",
        logins,
        "bare argon2 check_password/s in the same run",
        bare,
        "logins/s",
        keycloak_per_vcpu=KEYCLOAK_PER_VCPU,
        vs_keycloak=round(logins / KEYCLOAK_PER_VCPU, 3),
        median_login_ms=round(median_ms, 1),
        argon2=params,
    )


if __name__ == "__main__":
    main()
