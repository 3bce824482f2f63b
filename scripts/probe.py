"""Helpers for scripts/test: is a server reachable, and drop a leftover database.

Usage: probe.py postgres URL | probe.py redis URL | probe.py drop ADMIN_URL DBNAME
"""

from __future__ import annotations

import sys


def main() -> int:
    kind, url = sys.argv[1], sys.argv[2]
    try:
        if kind == "postgres":
            import psycopg

            psycopg.connect(url, connect_timeout=3).close()
        elif kind == "redis":
            import redis

            redis.Redis.from_url(url, socket_timeout=3).ping()
        elif kind == "drop":
            import psycopg
            from psycopg import sql

            with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(sys.argv[3]))
                )
    except Exception as exc:  # report and signal failure to the shell
        print(f"{kind}: {exc}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
