"""Authenticated API request against an anonymous request on the same endpoint.

``GET /api/v1/accounts/whoami`` answers both: anonymously ({"authenticated": false}) and with
a bearer token (token digest looked up, the caller's masked profile decrypted and returned).
Requests go through the whole Django stack (middleware, routing, ninja) in-process, so the
difference is what authentication and the masked profile cost per request.
Last line: JSON result (ratio = authenticated rate / anonymous rate; 1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time


def setup() -> None:
    os.environ["SHUXIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="shuxiang-bench-")
    os.environ.pop("SHUXIANG_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from shuxiang.network.divisions import load_divisions

    load_divisions(progress=False)


def rate(client, headers: dict, requests: int, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(requests):
            response = client.get("/api/v1/accounts/whoami", **headers)
            assert response.status_code == 200
        samples.append(time.perf_counter() - start)
    return requests / statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500, help="Requests per run.")
    parser.add_argument("--repeat", type=int, default=5, help="Runs per method (median kept).")
    args = parser.parse_args()
    setup()
    import datetime as dt

    from django.test import Client

    from shuxiang.accounts import registration
    from shuxiang.accounts.resident_id import generate
    from shuxiang.accounts.services import issue_api_token

    reader = registration.register_real_name(
        "张三", generate("330681", dt.date(1990, 5, 17), 1), "bench2026", mobile="13800000000"
    )
    token = issue_api_token(reader, "bench")
    client = Client()
    rate(client, {}, 50, 1)  # warm up
    anonymous = rate(client, {}, args.requests, args.repeat)
    authenticated = rate(
        client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}, args.requests, args.repeat
    )
    print(f"GET /api/v1/accounts/whoami, {args.requests} requests, median of {args.repeat}")
    print(f"anonymous:      {anonymous:10,.0f} requests/s")
    print(f"bearer token:   {authenticated:10,.0f} requests/s")
    print(f"overhead per authenticated request: {1e3 / authenticated - 1e3 / anonymous:.3f} ms")
    result = {
        "bench": "accounts_auth_overhead",
        "metric": "authenticated requests/s (bearer token, masked profile)",
        "value": round(authenticated, 1),
        "baseline": "anonymous requests/s on the same endpoint",
        "baseline_value": round(anonymous, 1),
        "ratio": round(authenticated / anonymous, 3),
        "unit": "requests/s",
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
