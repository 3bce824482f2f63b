"""Leaderboards (排行) per campaign, age group and library, behind a pluggable store.

``SHUXIANG_ACTIVITIES_BOARD_BACKEND`` names the store: :class:`DatabaseBoard` (the embedded
default) reads ``Work.like_count`` through composite indexes; :class:`RedisBoard` (server mode)
keeps one sorted set per board, bumped after each like's commit and rebuilt from the database
after voiding. Both rank by valid likes, then by the older work first.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from shuxiang.activities.models import Work

ID_SPAN = 10**12  # Redis orders equal scores by member; members count down so older works lead


def on_board(campaign_id: int) -> QuerySet[Work]:
    return Work.objects.filter(
        campaign_id=campaign_id, status=Work.Status.APPROVED, disqualified_reason=""
    )


class DatabaseBoard:
    """The database is the board: ``Work.like_count`` is changed in the like's transaction."""

    def bump(self, work: Work, delta: int) -> None:
        """Nothing to do: the count changed with the like."""

    def place(self, work: Work) -> None:
        """Nothing to do: the board query filters on the work's state."""

    def rebuild(self, campaign_id: int) -> None:
        """Nothing to do: counts are recomputed by the caller."""

    def top(
        self,
        campaign_id: int,
        *,
        age_group: str = "",
        library_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[tuple[int, int]]:
        rows = on_board(campaign_id)
        if age_group:
            rows = rows.filter(age_group=age_group)
        if library_id:
            rows = rows.filter(library_id=library_id)
        rows = rows.order_by("-like_count", "id").values_list("id", "like_count")
        return list(rows[offset : offset + limit])


class RedisBoard:
    """One sorted set per board in Redis (ZINCRBY on like, ZREVRANGE to read)."""

    def __init__(self) -> None:
        import redis

        self.client = redis.Redis.from_url(settings.REDIS_URL)

    def _keys(self, work: Work) -> list[str]:
        base = self.key(work.campaign_id)
        return [base, f"{base}:g:{work.age_group}", f"{base}:l:{work.library_id}"]

    @staticmethod
    def key(campaign_id: int, age_group: str = "", library_id: int | None = None) -> str:
        base = f"{getattr(settings, 'ACTIVITIES_BOARD_PREFIX', '')}act:board:{campaign_id}"
        if age_group:
            return f"{base}:g:{age_group}"
        return f"{base}:l:{library_id}" if library_id else base

    @staticmethod
    def member(work_id: int) -> str:
        return f"{ID_SPAN - work_id:012d}"

    def bump(self, work: Work, delta: int) -> None:
        if not work.on_board:
            return
        pipe = self.client.pipeline(transaction=False)
        for key in self._keys(work):
            pipe.zincrby(key, delta, self.member(work.pk))
        pipe.execute()

    def place(self, work: Work) -> None:
        """Put the work on (or take it off) its boards after moderation or disqualification."""
        pipe = self.client.pipeline(transaction=False)
        for key in self._keys(work):
            if work.on_board:
                pipe.zadd(key, {self.member(work.pk): work.like_count})
            else:
                pipe.zrem(key, self.member(work.pk))
        pipe.execute()

    def rebuild(self, campaign_id: int) -> None:
        base = self.key(campaign_id)
        stale = list(self.client.scan_iter(f"{base}:*", count=1000)) + [base]
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(*stale)
        rows = on_board(campaign_id).values_list("id", "age_group", "library_id", "like_count")
        for work_id, group, library_id, count in rows.iterator(chunk_size=5000):
            member = {self.member(work_id): count}
            pipe.zadd(base, member)
            pipe.zadd(f"{base}:g:{group}", member)
            pipe.zadd(f"{base}:l:{library_id}", member)
        pipe.execute()

    def top(
        self,
        campaign_id: int,
        *,
        age_group: str = "",
        library_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[tuple[int, int]]:
        key = self.key(campaign_id, age_group, library_id)
        rows = self.client.zrevrange(key, offset, offset + limit - 1, withscores=True)
        return [(ID_SPAN - int(member), int(score)) for member, score in rows]


@lru_cache(maxsize=4)
def _board(path: str):
    return import_string(path)()


def board():
    """The configured leaderboard store."""
    return _board(settings.ACTIVITIES_BOARD_BACKEND)
