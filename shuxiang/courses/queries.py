"""Read side of the courses: the head site, branch sites, lecture pages, questions, cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from shuxiang.courses.models import (
    Course,
    Curation,
    Keyword,
    Lecture,
    Question,
    Series,
    Speaker,
    Subscription,
    Topic,
)
from shuxiang.network.models import Library
from shuxiang.network.queries import ancestors

RELATED = 4
CARD_HOLDINGS = 3
CARD_KEYWORDS = 4


def published_courses() -> QuerySet[Course]:
    return (
        Course.objects.filter(published=True)
        .select_related("library", "series")
        .prefetch_related("topics", "speakers")
        .annotate(lecture_count=Count("lectures"))
    )


def head_library() -> Library | None:
    """The national library, whose courses make the head site (总站)."""
    return Library.objects.filter(parent__isnull=True).order_by("path").first()


def head_site() -> list[Course]:
    head = head_library()
    return list(published_courses().filter(library=head)) if head else []


def branch_site(library: Library) -> list[Course]:
    """A branch site (分站): the courses of the libraries above not hidden here, and the
    library's own; pinned ones first."""
    above = [lib.pk for lib in ancestors(library)]
    choices = dict(Curation.objects.filter(library=library).values_list("course_id", "choice"))
    courses = published_courses().filter(Q(library=library) | Q(library_id__in=above))
    shown = [c for c in courses if choices.get(c.pk) != "hidden"]
    return sorted(shown, key=lambda c: (choices.get(c.pk) != "pinned", c.library_id != library.pk))


def curation_of(library: Library) -> dict[int, str]:
    return dict(Curation.objects.filter(library=library).values_list("course_id", "choice"))


def course_or_404(pk: int) -> Course:
    lectures = Prefetch("lectures", Lecture.objects.select_related("speaker", "video"))
    course = published_courses().prefetch_related(lectures).filter(pk=pk).first()
    if course is None:
        raise Http404("No such course.")
    return course


def lecture_or_404(pk: int) -> Lecture:
    lecture = (
        Lecture.objects.select_related("course__library", "speaker", "video")
        .filter(pk=pk, course__published=True)
        .first()
    )
    if lecture is None:
        raise Http404("No such lecture.")
    return lecture


def visible_questions(lecture: Lecture, *, since: int = 0, everything: bool = False):
    """Questions after ``since`` (sequence number); hidden ones only as their number."""
    rows = Question.objects.filter(lecture=lecture, seq__gt=since).order_by("seq")
    if not everything and since == 0:
        rows = rows.exclude(state=Question.State.HIDDEN)
    return list(rows[:500])


def accepted_keywords(lecture: Lecture) -> list[Keyword]:
    return list(lecture.keywords.filter(review="accepted").order_by("start_seconds"))


def related_courses(lecture: Lecture) -> list[Course]:
    """Other published courses sharing a topic, a speaker or the series, most shared first."""
    course = lecture.course
    topics = list(course.topics.values_list("pk", flat=True))
    speakers = list(course.speakers.values_list("pk", flat=True))
    near = Q(topics__in=topics) | Q(speakers__in=speakers)
    if course.series_id:
        near |= Q(series_id=course.series_id)
    rows = (
        Course.objects.filter(published=True)
        .filter(near)
        .exclude(pk=course.pk)
        .annotate(shared=Count("pk"))
        .order_by("-shared", "-created_at")
    )
    return list(rows[:RELATED])


@dataclass
class Card:
    """A knowledge card (知识卡片): a keyword and the holdings a catalog search finds for it."""

    term: str
    start_seconds: float
    holdings: list = field(default_factory=list)
    total: int = 0
    entity_url: str = ""  # the keyword's person or subject page, when the holdings name it


def entity_url(term: str, holdings: list) -> str:
    """The linked-data page of the person or subject a keyword names in its holdings (a
    creator's or a subject heading's exact name), or "" when it names neither."""
    from django.urls import NoReverseMatch, reverse

    if any(term in (getattr(r, "creators", None) or []) for r in holdings):
        kind = "person"
    elif any(term in (getattr(r, "subjects", None) or []) for r in holdings):
        kind = "subject"
    else:
        return ""
    try:
        return reverse(f"linkeddata:{kind}", args=[term])
    except NoReverseMatch:  # linked data not installed on this node
        return ""


def knowledge_cards(lecture: Lecture, *, actor: object) -> list[Card]:
    """Cards for the first accepted keywords, searched as ``actor`` (so nobody sees more
    holdings on a lecture page than the catalog search shows them)."""
    from shuxiang.catalog.search.service import search

    cards = []
    for keyword in accepted_keywords(lecture)[:CARD_KEYWORDS]:
        try:
            found = search(actor=actor, q=keyword.term, page_size=CARD_HOLDINGS, facets=False)
        except Exception:  # the search engine may be missing or busy: no card, still a page
            continue
        hits = [hit.record for hit in found.hits][:CARD_HOLDINGS]
        link = entity_url(keyword.term, hits)
        cards.append(Card(keyword.term, keyword.start_seconds, hits, found.total, link))
    return cards


def course_out(course: Course) -> dict:
    return {
        "id": course.pk, "title": course.title, "summary": course.summary,
        "library": course.library.code, "library_name": course.library.name,
        "url": course.get_absolute_url(),
        "series": course.series.title if course.series else None,
        "topics": list(course.topics.all()), "speakers": list(course.speakers.all()),
        "lectures": getattr(course, "lecture_count", 0),
    }  # fmt: skip


def search_url(term: str) -> str:
    return "/search?q=" + quote(term)


def lecture_out(lecture: Lecture) -> dict:
    keywords = [
        {
            "term": k.term,
            "start_seconds": k.start_seconds,
            "search_url": "/search?q=" + quote(k.term),
        }
        for k in accepted_keywords(lecture)
    ]
    return {
        "id": lecture.pk, "course": lecture.course_id, "title": lecture.title,
        "summary": lecture.summary, "url": lecture.get_absolute_url(), "speaker": lecture.speaker,
        "live_state": lecture.live_state, "live_starts_at": lecture.live_starts_at,
        "stream_url": lecture.stream_url, "video": lecture.video_id, "keywords": keywords,
    }  # fmt: skip


def subscriptions_of(reader) -> list[tuple[Subscription, str]]:
    """The reader's subscriptions, each with the name of what it follows (one query per kind)."""
    rows = list(Subscription.objects.filter(user=reader).order_by("kind", "created_at"))
    names: dict[str, dict[int, str]] = {}
    for kind, model, label in (
        ("course", Course, "title"),
        ("series", Series, "title"),
        ("speaker", Speaker, "name"),
        ("topic", Topic, "name"),
    ):
        wanted = [row.target for row in rows if row.kind == kind]
        if wanted:
            names[kind] = dict(model.objects.filter(pk__in=wanted).values_list("pk", label))
    return [(row, names.get(row.kind, {}).get(row.target, f"#{row.target}")) for row in rows]
