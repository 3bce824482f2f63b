"""The live-question event stream, ``GET /courses/live/<lecture>/events`` (server-sent events).

A stream lasts as long as the viewer watches, so it must not hold one of the few Django threads
(``shuxiang.core.threads``): this ASGI fast path (settings ``ASGI_FAST_PATHS``) answers it on
the event loop. It checks once, on a worker thread, that the lecture exists in a published
course, then forwards what the hub (``shuxiang.courses.live``) delivers, with a comment line
every ``HEARTBEAT`` seconds so that proxies keep the connection open. Anything else falls
through to Django. Readers whose browser cannot keep the stream poll
``/api/v1/courses/lectures/<id>/questions?since=<seq>`` instead (the page's script does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

from shuxiang.courses.live import HUB

log = logging.getLogger(__name__)
PATH = re.compile(r"^/courses/live/([0-9]{1,12})/events$", re.ASCII)
HEARTBEAT = 15.0
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
    (b"x-content-type-options", b"nosniff"),
]


def lecture_is_public(lecture_id: int) -> bool:
    """Whether the lecture exists in a published course (run on a worker thread)."""
    from django.db import connection

    from shuxiang.courses.models import Lecture

    try:
        return Lecture.objects.filter(pk=lecture_id, course__published=True).exists()
    finally:
        connection.close()


class LiveEventsFastPath:
    """ASGI wrapper answering the live-question event stream before Django runs."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        match = None
        if scope["type"] == "http" and scope["method"] == "GET":
            match = PATH.match(scope["path"])
        if match is None:
            return await self.app(scope, receive, send)
        lecture_id = int(match.group(1))
        if not await asyncio.to_thread(lecture_is_public, lecture_id):
            return await self.app(scope, receive, send)  # Django answers 404
        await stream(lecture_id, receive, send)


async def stream(lecture_id: int, receive, send) -> None:
    """Forward the lecture's events until the viewer goes away."""
    queue = HUB.join(lecture_id)
    gone = asyncio.create_task(_disconnected(receive))
    try:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": b"retry: 1000\n\n", "more_body": True})
        while not gone.done():
            getter = asyncio.ensure_future(queue.get())
            done, _pending = await asyncio.wait(
                {getter, gone}, timeout=HEARTBEAT, return_when=asyncio.FIRST_COMPLETED
            )
            if getter in done:
                body = getter.result()
            else:
                getter.cancel()
                body = b": keep-alive\n\n"
            if not gone.done():
                await send({"type": "http.response.body", "body": body, "more_body": True})
    except OSError:
        log.debug("a live viewer went away mid-send")
    finally:
        HUB.leave(lecture_id, queue)
        gone.cancel()
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b""})


async def _disconnected(receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
