"""Live questions fan out to every viewer of a lecture (直播提问的实时推送).

``publish(lecture_id, event)`` is called by the services after a commit, on a Django thread.
Embedded mode: the event goes straight to this process's ``HUB`` on the event loop. Server mode
(``SHUXIANG_REDIS_URL`` set): it is published on a Redis channel; every process listens on one
pattern subscription and hands what it hears to its own hub. The hub holds one queue per
connected viewer; the event stream itself is ``shuxiang.courses.stream.LiveEventsFastPath``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import threading
from urllib.parse import urlparse

from shuxiang.core import options

log = logging.getLogger(__name__)
QUEUE_SIZE = 256


def channel_prefix() -> str:
    """Redis channels are shared by all databases of a server: name the database in them."""
    url = urlparse(options.value("REDIS_URL"))
    database = (url.path or "/0").strip("/") or "0"
    return f"shuxiang:{database}:courses:live:"


class Hub:
    """The viewers connected to this process, by lecture; used on one event loop only."""

    def __init__(self) -> None:
        self.viewers: dict[int, set[asyncio.Queue]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.listener: asyncio.Task | None = None
        self.lock = threading.Lock()

    def join(self, lecture_id: int) -> asyncio.Queue:
        with self.lock:
            self.loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.viewers.setdefault(lecture_id, set()).add(queue)
        if options.value("REDIS_URL") and (self.listener is None or self.listener.done()):
            self.listener = asyncio.create_task(listen_to_redis(self))
        return queue

    def leave(self, lecture_id: int, queue: asyncio.Queue) -> None:
        viewers = self.viewers.get(lecture_id)
        if viewers is not None:
            viewers.discard(queue)
            if not viewers:
                del self.viewers[lecture_id]

    def deliver(self, lecture_id: int, message: bytes) -> None:
        """Queue ``message`` for each viewer of the lecture (a viewer too slow loses it)."""
        for queue in list(self.viewers.get(lecture_id, ())):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                log.debug("a slow viewer missed a live event; it catches up by polling")

    def deliver_soon(self, lecture_id: int, message: bytes) -> None:
        """From any thread: deliver on the hub's event loop."""
        with self.lock:
            loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.deliver, lecture_id, message)


HUB = Hub()
CLOSE_SECONDS = 2


def encode(event: dict) -> bytes:
    """One server-sent event: ``id`` is the lecture's question sequence number."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['seq']}\nevent: question\ndata: {data}\n\n".encode()


def publish(lecture_id: int, event: dict) -> None:
    """Send ``event`` to every viewer of the lecture, in this process or through Redis."""
    message = encode(event)
    url = options.value("REDIS_URL")
    if not url:
        HUB.deliver_soon(lecture_id, message)
        return
    import redis

    try:
        _publisher(url).publish(f"{channel_prefix()}{lecture_id}", message)
    except redis.RedisError:
        log.warning("live event not published; viewers catch up by polling", exc_info=True)


@functools.cache
def _publisher(url: str):
    """One Redis client per process and URL (its connection pool is thread-safe)."""
    import redis

    return redis.Redis.from_url(url)


async def listen_to_redis(hub: Hub) -> None:
    """One pattern subscription per process while it has viewers, handing every live event
    to the local hub; it ends within a second of the last viewer leaving (and a later viewer
    starts it again), so it never outlives the event loop's viewers."""
    import redis.asyncio as aioredis

    prefix = channel_prefix()
    while hub.viewers:
        client = aioredis.Redis.from_url(options.value("REDIS_URL"))
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(prefix + "*")
            while hub.viewers:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message and message.get("type") == "pmessage":
                    lecture_id = int(message["channel"].decode()[len(prefix) :])
                    hub.deliver(lecture_id, message["data"])
        except (OSError, aioredis.RedisError):
            log.warning("live events: Redis subscription lost; retrying", exc_info=True)
            await asyncio.sleep(1)
        finally:
            await _close_quietly(pubsub, client)


async def _close_quietly(*closables) -> None:
    """Close the subscription and its client, bounded in time (a dead server never holds us)."""
    for closable in closables:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(closable.aclose(), CLOSE_SECONDS)
