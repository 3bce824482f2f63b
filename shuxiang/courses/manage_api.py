"""Librarians' side of the courses' JSON API: courses, lectures, live sessions, keyword review
and a branch site's curation (every action of the pages, for scripts and other systems)."""

from __future__ import annotations

from ninja import Router, Status

from shuxiang.core.api import AUTH, ErrorOut
from shuxiang.core.errors import NotFound, ValidationFailed
from shuxiang.courses import keywords, queries, services
from shuxiang.courses.models import Course, Keyword, Lecture, Speaker, Topic
from shuxiang.courses.queries import course_out, lecture_out
from shuxiang.courses.schemas import (
    CourseIn,
    CurationIn,
    KeywordRow,
    LectureIn,
    LectureOut,
    LiveIn,
    ReviewIn,
)
from shuxiang.network.models import Library
from shuxiang.resources.models import Resource

router = Router(tags=["courses"], auth=AUTH)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _get(model, pk: int, field: str):
    found = model.objects.filter(pk=pk).first() if 1 <= pk <= 2**53 else None
    if found is None:
        raise ValidationFailed.single(field, "No such item.", "not_found")
    return found


def _lecture(pk: int) -> Lecture:
    found = Lecture.objects.select_related("course__library").filter(pk=pk).first()
    if found is None or not 1 <= pk <= 2**53:
        raise NotFound("No such lecture.")
    return found


def create_course(request, payload: CourseIn):
    library = Library.objects.filter(code=payload.library).first()
    if library is None:
        raise ValidationFailed.single("library", "No such library.", "not_found")
    topics = list(Topic.objects.filter(code__in=payload.topics))
    speakers = [_get(Speaker, pk, "speakers") for pk in payload.speakers]
    data = {"title": payload.title, "summary": payload.summary, "topics": topics,
            "speakers": speakers}  # fmt: skip
    course = services.create_course(library, data, by=request.auth)
    return Status(201, course_out(queries.published_courses().get(pk=course.pk)))


@router.post("/courses/{course_id}/lectures", response={201: LectureOut, **ERRORS})
def add_lecture(request, course_id: int, payload: LectureIn):
    course = Course.objects.select_related("library").filter(pk=course_id).first()
    if course is None or not 1 <= course_id <= 2**53:
        raise NotFound("No such course.")
    data = {"title": payload.title, "summary": payload.summary}
    if payload.speaker:
        data["speaker"] = _get(Speaker, payload.speaker, "speaker")
    if payload.video:
        data["video"] = _get(Resource, payload.video, "video")
    lecture = services.add_lecture(course, data, by=request.auth)
    return Status(201, lecture_out(lecture))


@router.post("/courses/lectures/{lecture_id}/live", response={200: LectureOut, **ERRORS},
             summary="Schedule a live session")  # fmt: skip
def schedule_live(request, lecture_id: int, payload: LiveIn):
    lecture = _lecture(lecture_id)
    services.schedule_live(lecture, payload.starts_at, payload.stream_url, by=request.auth)
    return lecture_out(lecture)


@router.post("/courses/lectures/{lecture_id}/keywords", response={200: list[KeywordRow], **ERRORS},
             summary="Extract the subtitle keywords again")  # fmt: skip
def extract_keywords(request, lecture_id: int):
    lecture = _lecture(lecture_id)
    services.require_staff(request.auth, lecture.course.library)
    keywords.refresh(lecture.pk)
    return list(lecture.keywords.order_by("-weight"))


@router.post("/courses/keywords/{keyword_id}/review", response={200: KeywordRow, **ERRORS})
def review_keyword(request, keyword_id: int, payload: ReviewIn):
    keyword = Keyword.objects.select_related("lecture__course__library").filter(pk=keyword_id)
    found = keyword.first() if 1 <= keyword_id <= 2**53 else None
    if found is None:
        raise NotFound("No such keyword.")
    return services.review_keyword(found, payload.review, by=request.auth)


@router.post("/courses/sites/{code}/curation", response={204: None, **ERRORS},
             summary="Pin or hide a course on a branch site")  # fmt: skip
def curate(request, code: str, payload: CurationIn):
    library = Library.objects.filter(code=code[:32]).first() if code.isascii() else None
    if library is None:
        raise NotFound("No such library.")
    course = _get(Course, payload.course, "course")
    services.curate(library, course, payload.choice, by=request.auth)
    return Status(204, None)
