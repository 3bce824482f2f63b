"""Shapes of the courses' data interface (数据接口) under ``/api/v1/courses/``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class TopicOut(Schema):
    code: str
    name: str


class SpeakerOut(Schema):
    id: int
    name: str
    affiliation: str


class CourseOut(Schema):
    id: int
    title: str
    summary: str
    library: str
    library_name: str
    url: str
    series: str | None = None
    topics: list[TopicOut]
    speakers: list[SpeakerOut]
    lectures: int


class KeywordOut(Schema):
    term: str
    start_seconds: float
    search_url: str


class LectureOut(Schema):
    id: int
    course: int
    title: str
    summary: str
    url: str
    speaker: SpeakerOut | None = None
    live_state: str
    live_starts_at: datetime | None = None
    stream_url: str
    video: int | None = None
    keywords: list[KeywordOut]


class CourseDetail(CourseOut):
    lecture_list: list[LectureOut]


class CourseSiteOut(Schema):
    library: str
    name: str
    accent: str
    page_url: str
    courses: list[CourseOut]


class QuestionOut(Schema):
    id: int
    seq: int
    state: str
    name: str = ""
    text: str = ""
    answered: bool = False


class QuestionIn(Schema):
    text: str = Field(..., max_length=2000)


class ModerationIn(Schema):
    action: Literal["approve", "hide", "show", "answered", "unanswered"]


class SubscriptionIn(Schema):
    kind: Literal["course", "series", "speaker", "topic"]
    target: int = Field(..., ge=1, le=2**53)


class SubscriptionOut(Schema):
    kind: str
    target: int


class NotificationOut(Schema):
    title: str
    url: str
    created_at: datetime
    read: bool


class CourseIn(Schema):
    library: str = Field(..., max_length=32)
    title: str = Field(..., max_length=1000)
    summary: str = Field("", max_length=20000)
    topics: list[str] = Field([], max_length=20)
    speakers: list[int] = Field([], max_length=20)


class LectureIn(Schema):
    title: str = Field(..., max_length=1000)
    summary: str = Field("", max_length=20000)
    speaker: int | None = Field(None, ge=1, le=2**53)
    video: int | None = Field(None, ge=1, le=2**53)


class LiveIn(Schema):
    starts_at: datetime
    stream_url: str = Field("", max_length=2000)


class ReviewIn(Schema):
    review: Literal["accepted", "rejected", "pending"]


class CurationIn(Schema):
    course: int = Field(..., ge=1, le=2**53)
    choice: Literal["pinned", "hidden", ""]


class KeywordRow(Schema):
    id: int
    term: str
    weight: float
    start_seconds: float
    review: str
