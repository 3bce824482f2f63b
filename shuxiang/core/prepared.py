"""Queries built once per process and run again with new values (预编译查询).

Signed-in pages run the same few lookups on every request (the session by key, the user by id,
the user's staff roles). Django builds each query's SQL anew every time, which costs more than
running it. :class:`Prepared` builds the SQL once per database, from a queryset made with
sentinel values, and afterwards only swaps the values in: the rows become model instances
exactly as the ORM makes them (the backend's converters, ``from_db``, annotations).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet


@dataclass
class _Plan:
    sql: str
    params: list
    positions: list[int]
    compiler: object
    converters: dict
    model: type[Model]
    start: int
    end: int
    init_list: list[str]
    annotations: dict[str, int]


class Prepared:
    """``build(*values)`` → a plain model queryset (no ``select_related``, ``only`` or
    prefetching) in which each value appears exactly once as an SQL parameter, unchanged
    (an id, a key); ``sentinels`` are values of the same types that no real row uses."""

    def __init__(self, build: Callable[..., QuerySet], *sentinels):
        self.build, self.sentinels = build, sentinels
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, using: str) -> _Plan:
        compiler = self.build(*self.sentinels).using(using).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = []
        for sentinel in self.sentinels:
            found = [i for i, param in enumerate(params) if param == sentinel]
            if len(found) != 1:
                raise ValueError(f"{sentinel!r} must appear once among the parameters {params}")
            positions.append(found[0])
        fields = compiler.klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql,
            params=list(params),
            positions=positions,
            compiler=compiler,
            converters=compiler.get_converters([column[0] for column in compiler.select]),
            model=compiler.klass_info["model"],
            start=start,
            end=end,
            init_list=[column[0].target.attname for column in compiler.select[start:end]],
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def plan(self, using: str = DEFAULT_DB_ALIAS) -> _Plan:
        found = self._plans.get(using)
        if found is None:
            with self._lock:
                found = self._plans.get(using) or self._plan(using)
                self._plans[using] = found
        return found

    def all(self, *values, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
        """The instances the queryset ``build(*values)`` would give, in its order."""
        plan = self.plan(using)
        params = list(plan.params)
        for position, value in zip(plan.positions, values, strict=True):
            params[position] = value
        with connections[using].cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        found = []
        for row in rows:
            instance = plan.model.from_db(using, plan.init_list, row[plan.start : plan.end])
            for name, position in plan.annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found

    def first(self, *values, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        found = self.all(*values, using=using)
        return found[0] if found else None
