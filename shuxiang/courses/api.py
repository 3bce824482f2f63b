"""The data interface of the open courses (数据接口), ``/api/v1/courses/...``: public reads of
published courses for libraries to re-package, live questions, subscriptions and the inbox."""

from __future__ import annotations

from django.http import Http404
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from shuxiang.accounts import inbox
from shuxiang.core.api import AUTH, ErrorOut
from shuxiang.core.errors import NotFound
from shuxiang.courses import manage_api, queries, services, theme
from shuxiang.courses.models import Question, Topic
from shuxiang.courses.queries import course_out, lecture_out
from shuxiang.courses.schemas import (
    CourseDetail,
    CourseOut,
    CourseSiteOut,
    LectureOut,
    ModerationIn,
    NotificationOut,
    QuestionIn,
    QuestionOut,
    SubscriptionIn,
    SubscriptionOut,
    TopicOut,
)
from shuxiang.network.models import Library

router = Router(tags=["courses"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_ID = 2**53


class SinceIn(Schema):
    since: int = NinjaField(0, ge=0, le=MAX_ID)


def _found(getter, pk: int):
    if not 1 <= pk <= MAX_ID:
        raise NotFound("Not found.")
    try:
        return getter(pk)
    except Http404:
        raise NotFound("Not found.") from None


@router.get("/courses/topics", response=list[TopicOut], summary="Course topics")
def topics(request):
    return list(Topic.objects.all())


router.post("/courses", response={201: CourseOut, **ERRORS}, auth=AUTH,
            summary="Create a course")(manage_api.create_course)  # fmt: skip


@router.get("/courses", response=list[CourseOut], summary="Courses of the head site")
def head_site(request):
    return [course_out(c) for c in queries.head_site()]


@router.get("/courses/sites/{code}", response={200: CourseSiteOut, 404: ErrorOut},
            summary="A branch course site: the data interface")  # fmt: skip
def branch_site(request, code: str):
    known = code.isascii() and code.replace("-", "").replace("_", "").isalnum()
    library = known and Library.objects.filter(code=code[:32], status="active").first()
    if not library:
        raise NotFound("No such library.")
    return {
        "library": library.code, "name": library.name, "accent": theme.of(library)["accent"],
        "page_url": f"/courses/embed/{library.code}/",
        "courses": [course_out(c) for c in queries.branch_site(library)],
    }  # fmt: skip


@router.get("/courses/{course_id}", response={200: CourseDetail, 404: ErrorOut})
def course_detail(request, course_id: int):
    course = _found(queries.course_or_404, course_id)
    return {**course_out(course), "lecture_list": [lecture_out(x) for x in course.lectures.all()]}


@router.get("/courses/lectures/{lecture_id}", response={200: LectureOut, 404: ErrorOut})
def lecture_detail(request, lecture_id: int):
    return lecture_out(_found(queries.lecture_or_404, lecture_id))


@router.get("/courses/lectures/{lecture_id}/questions",
            response={200: list[QuestionOut], 400: ErrorOut, 404: ErrorOut},
            summary="Questions after a sequence number (the polling fallback)")  # fmt: skip
def questions(request, lecture_id: int, params: Query[SinceIn]):
    lecture = _found(queries.lecture_or_404, lecture_id)
    rows = queries.visible_questions(lecture, since=params.since)
    return [services.event_of(q) for q in rows]


@router.post("/courses/lectures/{lecture_id}/questions",
             response={201: QuestionOut, **ERRORS}, auth=AUTH)  # fmt: skip
def ask(request, lecture_id: int, payload: QuestionIn):
    lecture = _found(queries.lecture_or_404, lecture_id)
    question = services.post_question(lecture, payload.text, by=request.auth)
    return Status(201, services.event_of(question))


@router.post("/courses/questions/{question_id}/moderation",
             response={200: QuestionOut, **ERRORS}, auth=AUTH)  # fmt: skip
def moderate(request, question_id: int, payload: ModerationIn):
    question = _found(_question_or_404, question_id)
    return services.event_of(services.moderate(question, payload.action, by=request.auth))


@router.get("/courses/me/subscriptions", response={200: list[SubscriptionOut], 401: ErrorOut},
            auth=AUTH)  # fmt: skip
def my_subscriptions(request):
    return list(request.auth.course_subscriptions.all())


@router.post("/courses/me/subscriptions", response={201: SubscriptionOut, **ERRORS}, auth=AUTH)
def subscribe(request, payload: SubscriptionIn):
    return Status(201, services.subscribe(payload.kind, payload.target, by=request.auth))


@router.get("/courses/me/notifications", response={200: list[NotificationOut], 401: ErrorOut},
            auth=AUTH)  # fmt: skip
def notifications(request):
    rows = inbox.messages_of(request.auth, source="courses")
    return [{"title": n.title, "url": n.link, "created_at": n.created_at,
             "read": n.read_at is not None} for n in rows]  # fmt: skip


def _question_or_404(pk: int) -> Question:
    found = Question.objects.select_related("lecture__course__library").filter(pk=pk).first()
    if found is None:
        raise Http404("No such question.")
    return found
