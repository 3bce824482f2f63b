"""Demo open courses: the ten judged lectures (``fixtures/judged_lectures.json``) as recorded
lectures of the national library, each a video resource with Chinese WebVTT subtitles and
reviewed keywords; a scheduled live session with questions; and a branch course site for
Shaoxing with a course of its own (idempotent, a few seconds)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from shuxiang.core.actors import SYSTEM
from shuxiang.courses import keywords, services
from shuxiang.courses.models import Course, Lecture, Speaker, Topic
from shuxiang.network.models import Library
from shuxiang.resources import services as resources
from shuxiang.resources.models import Collection, Resource

JUDGED = Path(__file__).parent / "fixtures" / "judged_lectures.json"
SECONDS_PER_CUE = 3
TOPICS = {
    "classics": "经典导读",
    "history": "历史文化",
    "literature": "文学艺术",
    "folk": "民俗节气",
    "ancient-books": "古籍保护",
}
ACCEPTED = 8  # keywords a demo librarian accepted per lecture


def judged_lectures() -> list[dict]:
    return json.loads(JUDGED.read_text(encoding="utf-8"))


def webvtt(cues: list[str], seconds_each: int = SECONDS_PER_CUE) -> bytes:
    """WebVTT subtitles, one cue per line of text."""
    lines = ["WEBVTT", ""]
    for index, text in enumerate(cues):
        start, end = index * seconds_each, (index + 1) * seconds_each
        lines += [f"{_stamp(start)} --> {_stamp(end)}", text, ""]
    return "\n".join(lines).encode("utf-8")


def _stamp(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000"


def video_resource(
    collection: Collection, title: str, creator: str, clip: bytes, subtitles: bytes
) -> Resource:
    """A published lecture video of ``collection`` with its subtitles."""
    resource = resources.create_resource(
        {"type": "video", "subtype": "lecture", "title": title, "creator": creator,
         "rights": "本馆自建公开课，版权归本馆所有（演示）", "extra": {"speaker": creator}},
        collection=collection, by=SYSTEM,
        files=[resources.Upload("lecture.mp4", io.BytesIO(clip)),
               resources.Upload("lecture.vtt", io.BytesIO(subtitles))],
    )  # fmt: skip
    resources.submit(resource, by=SYSTEM)
    return resources.publish(resource, by=SYSTEM)


def clip(seconds: int, tone: int) -> bytes:
    """A small H.264 MP4 from ffmpeg's test pattern with a tone of its own (each lecture's
    file differs, as the repository refuses a file it already holds), or a stub without ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    stub = b"\x00\x00\x00\x18ftypmp42" + tone.to_bytes(4, "big")
    if not ffmpeg:
        return stub
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "lecture.mp4"
        command = [
            ffmpeg, "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=duration={seconds}:size=320x180:rate=10",
            "-f", "lavfi", "-i", f"sine=frequency={tone}:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(target),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        return target.read_bytes() if done.returncode == 0 else stub


def _speaker(name: str) -> Speaker:
    return Speaker.objects.filter(name=name).first() or services.create_speaker(
        name, by=SYSTEM, affiliation="国家图书馆公开课（示例）"
    )


def _course(library: Library, title: str, topic: Topic, speaker: Speaker) -> Course:
    course = Course.objects.filter(library=library, title=title).first()
    if course is None:
        course = services.create_course(library, {"title": title, "topics": [topic]}, by=SYSTEM)
    course.speakers.add(speaker)
    return course


def build_lecture(course: Course, item: dict, collection: Collection, clip: bytes) -> Lecture:
    """One judged lecture as a recorded lecture with extracted, reviewed keywords."""
    speaker = _speaker(item["speaker"])
    subtitles = webvtt(item["cues"])
    video = video_resource(collection, item["title"], speaker.name, clip, subtitles)
    lecture = services.add_lecture(
        course, {"title": item["title"], "speaker": speaker, "video": video}, by=SYSTEM
    )
    keywords.refresh(lecture.pk)
    for rank, keyword in enumerate(lecture.keywords.order_by("-weight")):
        decision = "accepted" if rank < ACCEPTED else "rejected"
        services.review_keyword(keyword, decision, by=SYSTEM)
    return lecture


@transaction.atomic
def load_demo_courses(*, say: Callable[[str], None] = print) -> int:
    """Load the demo courses once; returns the number of lectures added."""
    national = Library.objects.filter(code="NLC").first()
    if national is None or Lecture.objects.exists():
        return 0
    collection = Collection.objects.get(library=national, code="central")
    topics = {code: services.create_topic(code, name, by=SYSTEM) for code, name in TOPICS.items()}
    added = []
    for index, item in enumerate(judged_lectures()):
        course = _course(national, item["course"], topics[item["topic"]], _speaker(item["speaker"]))
        video = clip(SECONDS_PER_CUE * len(item["cues"]), 220 + 40 * index)
        added.append(build_lecture(course, item, collection, video))
    _live_session(added[0].course)
    _branch_site(topics["history"])
    say(f"Demo courses: {len(added)} lectures with subtitles and keywords, one live session")
    return len(added)


def _live_session(course: Course) -> None:
    from shuxiang.accounts import pii
    from shuxiang.accounts.models import User

    first_reader = User.objects.filter(mobile_hash=pii.lookup_hash("13800000001")).first()
    if first_reader is not None:  # the demo reader follows the course: the live notice reaches them
        services.subscribe("course", course.pk, by=first_reader)
    title = "直播：《论语》里的读书方法"
    lecture = services.add_lecture(
        course, {"title": title, "speaker": course.speakers.first()}, by=SYSTEM
    )
    starts = timezone.now() + dt.timedelta(days=1)
    services.schedule_live(lecture, starts, "https://live.example.org/nlc/lunyu.m3u8", by=SYSTEM)
    readers = list(User.objects.filter(is_staff=False).order_by("pk")[:3])
    texts = ["“学而不思则罔”怎样理解？", "孔子的读书方法适合今天的中学生吗？", "（无关广告）"]
    for reader, text in zip(readers, texts, strict=False):
        services.post_question(lecture, text, by=reader)
    questions = list(lecture.questions.order_by("seq"))
    if len(questions) == 3:
        services.moderate(questions[0], "approve", by=SYSTEM)
        services.moderate(questions[0], "answered", by=SYSTEM)
        services.moderate(questions[2], "hide", by=SYSTEM)


def _branch_site(topic: Topic) -> None:
    """Shaoxing's branch site: the centre's courses (one hidden) and a course of its own."""
    shaoxing = Library.objects.filter(code="330600").first()
    if shaoxing is None:
        return
    speaker = _speaker("周越人")
    own = _course(shaoxing, "越地文化讲堂", topic, speaker)
    services.add_lecture(own, {"title": "绍兴师爷与越地文献", "speaker": speaker}, by=SYSTEM)
    hidden = Course.objects.filter(library__code="NLC", title="唐宋文学名家").first()
    if hidden is not None:
        services.curate(shaoxing, hidden, "hidden", by=SYSTEM)
    pinned = Course.objects.filter(library__code="NLC", title="丝路文明").first()
    if pinned is not None:
        services.curate(shaoxing, pinned, "pinned", by=SYSTEM)
