"""Pages of the open courses (公开课): head site, branch sites, courses, lectures, live."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.accounts import inbox as shared_inbox
from shuxiang.core.api import actor_of
from shuxiang.core.errors import ServiceError
from shuxiang.core.pagecache import public_page
from shuxiang.courses import queries, services, theme
from shuxiang.courses.models import (
    Course,
    Keyword,
    Lecture,
    Question,
    Series,
    Speaker,
    Topic,
)
from shuxiang.network.models import Library
from shuxiang.resources.models import Resource


@public_page
def index(request):
    head = queries.head_library()
    return render(
        request,
        "courses/index.html",
        {"courses": queries.head_site(), "topics": Topic.objects.all(), "head": head,
         "branches": _branches()},
    )  # fmt: skip


def _branches() -> list[Library]:
    with_courses = Course.objects.filter(published=True).values("library")
    return list(Library.objects.filter(pk__in=with_courses, parent__isnull=False)[:20])


CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$", re.ASCII)


def _code(value: str) -> str:
    if not CODE.match(value):
        raise Http404("No such code.")
    return value


def _library(code: str) -> Library:
    return get_object_or_404(Library, code=_code(code), status=Library.Status.ACTIVE)


@public_page
def branch(request, code: str):
    library = _library(code)
    context = {
        "library": library,
        "courses": queries.branch_site(library),
        "theme": theme.of(library),
        "staff": services.is_staff(actor_of(request), library),
    }
    return render(request, "courses/branch.html", context)  # fmt: skip


def embed(request, code: str):
    """The page interface (页面接口): the branch site for an iframe on the library's own site."""
    library = _library(code)
    response = render(
        request,
        "courses/embed.html",
        {"library": library, "courses": queries.branch_site(library), "theme": theme.of(library)},
    )
    response["Content-Security-Policy"] = theme.embed_policy()
    response.xframe_options_exempt = True
    return response


@login_required
def curate(request, code: str):
    library = _library(code)
    actor = actor_of(request)
    if not services.is_staff(actor, library):
        raise DjangoPermissionDenied
    if request.method == "POST":
        course = get_object_or_404(Course, pk=_number(request.POST.get("course")))
        try:
            services.curate(library, course, request.POST.get("choice", ""), by=actor)
            messages.success(request, _("Saved."))
        except ServiceError as error:
            messages.error(request, str(error))
        return redirect("courses:curate", code=code)
    choices = queries.curation_of(library)
    rows = [(course, choices.get(course.pk, "")) for course in _curatable(library)]
    return render(request, "courses/curate.html", {"library": library, "rows": rows})


def _curatable(library: Library) -> list[Course]:
    from shuxiang.network.queries import ancestors

    above = [lib.pk for lib in ancestors(library)] + [library.pk]
    return list(queries.published_courses().filter(library_id__in=above))


def _number(value) -> int:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 0


@public_page
def course(request, pk: int):
    found = queries.course_or_404(pk)
    return render(request, "courses/course.html", {"course": found})


def _media(lecture: Lecture) -> dict:
    video = lecture.video
    if video is None or video.status != Resource.Status.PUBLISHED:
        return {}
    files = {f.role: f for f in video.files.filter(role__in=["original", "subtitles"])}
    return {"original": files.get("original"), "subtitles": files.get("subtitles")}


def lecture(request, pk: int):
    found = queries.lecture_or_404(pk)
    actor = actor_of(request)
    questions = queries.visible_questions(found)
    context = {
        "lecture": found,
        "media": _media(found),
        "keywords": queries.accepted_keywords(found),
        "cards": queries.knowledge_cards(found, actor=actor),
        "related": queries.related_courses(found),
        "questions": questions,
        "last_seq": found.question_seq,
        "staff": services.is_staff(actor, found.course.library),
        "live": found.live_state in ("scheduled", "live"),
    }
    return render(request, "courses/lecture.html", context)


@require_POST
def ask(request, pk: int):
    found = queries.lecture_or_404(pk)
    try:
        question = services.post_question(found, request.POST.get("text", ""), by=request.user)
    except ServiceError as error:
        return _answer(request, found, error=error)
    return _answer(request, found, question=question)


def _answer(request, lecture: Lecture, *, question=None, error=None):
    wants_json = "json" in request.headers.get("Accept", "")
    if wants_json:
        if error is not None:
            status = 403 if error.__class__.__name__ == "PermissionDenied" else 400
            return HttpResponse(json.dumps(error.as_dict()), status=status,
                                content_type="application/json")  # fmt: skip
        return HttpResponse(json.dumps(services.event_of(question)), status=201,
                            content_type="application/json")  # fmt: skip
    if error is not None:
        messages.error(request, str(error))
    return redirect(lecture.get_absolute_url() + "#questions")


@login_required
def host(request, pk: int):
    """The speaker's and host's view: every question, with moderation."""
    found = queries.lecture_or_404(pk)
    if not services.is_staff(actor_of(request), found.course.library):
        raise DjangoPermissionDenied
    questions = queries.visible_questions(found, everything=True)
    context = {"lecture": found, "questions": questions, "last_seq": found.question_seq}
    return render(request, "courses/host.html", context)


@require_POST
@login_required
def moderate(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("lecture__course"), pk=pk)
    try:
        services.moderate(question, request.POST.get("action", ""), by=actor_of(request))
    except ServiceError as error:
        if "json" in request.headers.get("Accept", ""):
            return HttpResponse(json.dumps(error.as_dict()), status=403,
                                content_type="application/json")  # fmt: skip
        messages.error(request, str(error))
    if "json" in request.headers.get("Accept", ""):
        return HttpResponse(json.dumps(services.event_of(question)),
                            content_type="application/json")  # fmt: skip
    return redirect("courses:host", pk=question.lecture_id)


def events_fallback(request, pk: int):
    """Without the ASGI fast path (a WSGI server, the test client): the events so far, then
    the browser reconnects after ``retry`` — polling by another name."""
    found = queries.lecture_or_404(pk)
    since = _number(request.headers.get("Last-Event-ID"))
    from shuxiang.courses.live import encode

    rows = queries.visible_questions(found, since=since)
    body = b"retry: 1000\n\n" + b"".join(encode(services.event_of(q)) for q in rows)
    response = HttpResponse(body, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def keywords(request, pk: int):
    """Librarians accept or reject the keywords found in a lecture's subtitles."""
    found = queries.lecture_or_404(pk)
    actor = actor_of(request)
    if not services.is_staff(actor, found.course.library):
        raise DjangoPermissionDenied
    if request.method == "POST":
        keyword = get_object_or_404(Keyword, pk=_number(request.POST.get("keyword")), lecture=found)
        try:
            services.review_keyword(keyword, request.POST.get("review", ""), by=actor)
        except ServiceError as error:
            messages.error(request, str(error))
        return redirect("courses:keywords", pk=pk)
    rows = found.keywords.order_by("-weight")
    return render(request, "courses/keywords.html", {"lecture": found, "rows": rows})


SUBJECTS = {"course": Course, "series": Series, "speaker": Speaker, "topic": Topic}


@public_page
def listing(request, kind: str, pk: str):
    """Courses of one topic (by code), series or speaker (by number)."""
    if kind == "topic":
        subject = get_object_or_404(Topic, code=_code(pk))
        rows = queries.published_courses().filter(topics=subject)
    elif kind in ("series", "speaker"):
        subject = get_object_or_404(SUBJECTS[kind], pk=_number(pk))
        field = {"series": "series", "speaker": "speakers"}[kind]
        rows = queries.published_courses().filter(**{field: subject})
    else:
        raise Http404("No such listing.")
    context = {"subject": subject, "kind": kind, "courses": list(rows)}
    return render(request, "courses/listing.html", context)


@require_POST
@login_required
def subscribe(request):
    kind, target = request.POST.get("kind", ""), _number(request.POST.get("target"))
    try:
        if request.POST.get("action") == "unsubscribe":
            services.unsubscribe(kind, target, by=request.user)
            messages.success(request, _("Unsubscribed."))
        else:
            services.subscribe(kind, target, by=request.user)
            messages.success(request, _("Subscribed: you will hear of new lectures."))
    except ServiceError as error:
        messages.error(request, str(error))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/courses/") else "courses:inbox")


@login_required
def inbox(request):
    rows = list(shared_inbox.messages_of(request.user, source="courses"))
    shared_inbox.mark_read(request.user, source="courses")
    subscriptions = queries.subscriptions_of(request.user)
    return render(request, "courses/inbox.html", {"rows": rows, "subscriptions": subscriptions})
