# ruff: noqa: E501  (vocabulary tables, SQL and report lines read better unwrapped)
"""Engines the search benchmark compares: SQLite FTS5 (baseline) and the PostgreSQL child run.

FTS5 gets the very same analyzed tokens (jieba + folding + stemming) as the Shuxiang backends,
so the comparison is engine against engine, not analyzer against analyzer.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

FACET_COLUMNS = ("type", "library", "language", "year", "collection")


class Fts5:
    """A straightforward FTS5 search with the same features: AND terms, bm25 with field
    weights, public-only filter, facet filters, year sort, facet counts."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(str(path))
        self.db.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
            "CREATE VIRTUAL TABLE fts USING fts5(title, creator, subject, body, tokenize='unicode61');"
            "CREATE TABLE meta(id INTEGER PRIMARY KEY, type, library, language, year, collection, access);"
            "CREATE TABLE subj(id INTEGER, subject);"
        )

    def index(self, documents) -> int:
        count = 0
        with self.db:
            for doc in documents:
                self.db.execute(
                    "INSERT INTO fts(rowid, title, creator, subject, body) VALUES (?,?,?,?,?)",
                    (doc["id"], doc["title"], doc["creator"], doc["subject"], doc["body"]),
                )
                self.db.execute(
                    "INSERT INTO meta VALUES (?,?,?,?,?,?,?)",
                    (
                        doc["id"],
                        doc["type"],
                        doc["library"],
                        doc["language"],
                        doc["year"],
                        doc["collection"],
                        doc["access"],
                    ),
                )
                self.db.executemany(
                    "INSERT INTO subj VALUES (?,?)", [(doc["id"], s) for s in doc["subjects"]]
                )
                count += 1
        self.db.execute("CREATE INDEX subj_id ON subj(id)")
        self.db.execute("ANALYZE")
        return count

    def search(self, terms: list[str], filters: dict, sort: str, page_size: int = 20) -> tuple:
        where, params = ["meta.access = 'public'"], []
        source = "meta"
        if terms:
            source = "(SELECT rowid AS id, bm25(fts, 4.0, 4.0, 1.5, 1.0) AS score FROM fts WHERE fts MATCH ?) m JOIN meta USING(id)"
            params.append(" AND ".join(f'"{t}"' for t in terms))
        for name, values in filters.items():
            where.append(f"meta.{name} IN ({','.join('?' * len(values))})")
            params += values
        order = {"-year": "meta.year DESC", "year": "meta.year"}.get(
            sort, "m.score" if terms else "meta.id"
        )
        cur = self.db.cursor()
        cur.execute("DROP TABLE IF EXISTS temp.hits")
        cur.execute(
            f"CREATE TEMP TABLE hits AS SELECT meta.* {', m.score' if terms else ''} FROM {source} WHERE {' AND '.join(where)}",
            params,
        )
        ids = [
            r[0]
            for r in cur.execute(
                f"SELECT id FROM hits AS meta ORDER BY {order.replace('m.score', 'meta.score')} LIMIT ?",
                (page_size,),
            )
        ]
        total = cur.execute("SELECT count(*) FROM hits").fetchone()[0]
        facets = {
            c: cur.execute(
                f"SELECT {c}, count(*) FROM hits WHERE {c} != '' GROUP BY {c} ORDER BY 2 DESC LIMIT 12"
            ).fetchall()
            for c in FACET_COLUMNS
        }
        facets["subject"] = cur.execute(
            "SELECT subject, count(*) FROM subj JOIN hits USING(id) GROUP BY subject ORDER BY 2 DESC LIMIT 12"
        ).fetchall()
        return ids, total, facets


def timed(func, rounds: int, warmup: int = 1) -> list[float]:
    """Milliseconds of each call of ``func`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# The fixed query mix every engine answers (field, text, filters).
MIX = [
    {"q": "图书馆"},
    {"q": "中国 历史"},
    {"q": "浙江 地方文献"},
    {"q": "圖書館 研究"},
    {"q": "唐诗"},
    {"q": "数字资源"},
    {"q": "古籍"},
    {"q": "阅读推广 讲座"},
    {"q": "敦煌 丝绸之路"},
    {"q": "library"},
    {"q": "digital libraries"},
    {"q": "history of china"},
    {"q": "reading"},
    {"q": "metadata cataloging"},
    {"q": "图书馆", "filters": {"type": ["book"]}},
    {"q": "history", "filters": {"language": ["en"]}},
    {"q": "文化", "sort": "-year"},
    {"q": "茶文化", "filters": {"type": ["ebook", "book"]}},
    {"q": "量子引力"},
    {"q": "", "filters": {"type": ["video"]}},
]
