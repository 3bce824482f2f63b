"""Courses and lectures as RDF (关联数据), for the linked-data app to serve and index.

Plain functions over rdflib terms, schema.org vocabulary: a course is a ``schema:Course``, a
lecture a ``schema:VideoObject`` (with its subtitles as ``schema:transcript``), speakers
``schema:Person``, topics and accepted subtitle keywords ``schema:about``. Every subject's URI
is its canonical page URL on this node (``/courses/c/<id>/``, ``/courses/l/<id>/``,
``/courses/speaker/<id>/``, ``/courses/topic/<code>/``), made absolute with ``base``
(the node's base URL when omitted). Only published courses are described.

    graph = describe_course(course)              # rdflib.Graph
    graph = describe_lecture(lecture)
    for course in iter_courses(): ...
    course_url(course), lecture_url(lecture), speaker_url(speaker), topic_url(topic)
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from shuxiang.core.http import base_url
from shuxiang.courses.extraction import parse_cues
from shuxiang.courses.keywords import subtitles_of
from shuxiang.courses.models import Course, Lecture, Speaker, Topic

SCHEMA = Namespace("https://schema.org/")
TRANSCRIPT_CHARS = 20_000


def _base(base: str | None) -> str:
    return (base if base is not None else base_url()).rstrip("/")


def course_url(course: Course, base: str | None = None) -> str:
    return f"{_base(base)}/courses/c/{course.pk}/"


def lecture_url(lecture: Lecture, base: str | None = None) -> str:
    return f"{_base(base)}/courses/l/{lecture.pk}/"


def speaker_url(speaker: Speaker, base: str | None = None) -> str:
    return f"{_base(base)}/courses/speaker/{speaker.pk}/"


def topic_url(topic: Topic, base: str | None = None) -> str:
    return f"{_base(base)}/courses/topic/{quote(topic.code)}/"


def library_url(code: str, base: str | None = None) -> str:
    return f"{_base(base)}/network/{quote(code)}/"


def new_graph() -> Graph:
    graph = Graph()
    graph.bind("schema", SCHEMA)
    graph.bind("dcterms", DCTERMS)
    return graph


def iter_courses() -> Iterator[Course]:
    """Every published course, with what its description needs loaded."""
    rows = Course.objects.filter(published=True).select_related("library", "series")
    yield from rows.prefetch_related("topics", "speakers", "lectures").iterator(chunk_size=200)


def iter_lectures() -> Iterator[Lecture]:
    """Every lecture of a published course."""
    rows = Lecture.objects.filter(course__published=True).select_related("course", "speaker")
    yield from rows.prefetch_related("keywords").iterator(chunk_size=200)


def _person(graph: Graph, speaker: Speaker, base: str | None) -> URIRef:
    node = URIRef(speaker_url(speaker, base))
    graph.add((node, RDF.type, SCHEMA.Person))
    graph.add((node, SCHEMA.name, Literal(speaker.name, lang="zh-Hans")))
    if speaker.affiliation:
        graph.add((node, SCHEMA.affiliation, Literal(speaker.affiliation, lang="zh-Hans")))
    return node


def _topic(graph: Graph, topic: Topic, base: str | None) -> URIRef:
    node = URIRef(topic_url(topic, base))
    graph.add((node, RDF.type, SCHEMA.DefinedTerm))
    graph.add((node, SCHEMA.name, Literal(topic.name, lang="zh-Hans")))
    return node


def describe_course(course: Course, base: str | None = None) -> Graph:
    """The course, its provider library, speakers, topics and the lectures it holds."""
    graph = new_graph()
    node = URIRef(course_url(course, base))
    graph.add((node, RDF.type, SCHEMA.Course))
    graph.add((node, SCHEMA.name, Literal(course.title, lang="zh-Hans")))
    if course.summary:
        graph.add((node, SCHEMA.description, Literal(course.summary, lang="zh-Hans")))
    graph.add((node, SCHEMA.provider, URIRef(library_url(course.library.code, base))))
    graph.add((node, SCHEMA.inLanguage, Literal("zh-Hans")))
    if course.series_id:
        graph.add((node, SCHEMA.isPartOf, Literal(course.series.title, lang="zh-Hans")))
    for speaker in course.speakers.all():
        graph.add((node, SCHEMA.instructor, _person(graph, speaker, base)))
    for topic in course.topics.all():
        graph.add((node, SCHEMA.about, _topic(graph, topic, base)))
    for lecture in course.lectures.all():
        graph.add((node, SCHEMA.hasPart, URIRef(lecture_url(lecture, base))))
    return graph


def transcript_of(lecture: Lecture) -> str:
    """The lecture's subtitles as plain text (the first ``TRANSCRIPT_CHARS`` characters)."""
    data = subtitles_of(lecture)
    if not data:
        return ""
    return "\n".join(cue.text for cue in parse_cues(data))[:TRANSCRIPT_CHARS]


def describe_lecture(lecture: Lecture, base: str | None = None) -> Graph:
    """The lecture as a VideoObject: course, speaker, transcript, keywords, recording."""
    graph = new_graph()
    node = URIRef(lecture_url(lecture, base))
    graph.add((node, RDF.type, SCHEMA.VideoObject))
    graph.add((node, SCHEMA.name, Literal(lecture.title, lang="zh-Hans")))
    graph.add((node, SCHEMA.isPartOf, URIRef(course_url(lecture.course, base))))
    graph.add((node, SCHEMA.inLanguage, Literal("zh-Hans")))
    if lecture.summary:
        graph.add((node, SCHEMA.description, Literal(lecture.summary, lang="zh-Hans")))
    if lecture.speaker_id:
        graph.add((node, SCHEMA.actor, _person(graph, lecture.speaker, base)))
    if lecture.video_id:
        resource = URIRef(f"{_base(base)}/resources/{lecture.video_id}/")
        graph.add((node, DCTERMS.source, resource))
    if lecture.live_starts_at:
        when = Literal(lecture.live_starts_at.isoformat(), datatype=XSD.dateTime)
        graph.add((node, SCHEMA.startDate, when))
    transcript = transcript_of(lecture)
    if transcript:
        graph.add((node, SCHEMA.transcript, Literal(transcript, lang="zh-Hans")))
    for keyword in lecture.keywords.all():
        if keyword.review == "accepted":
            graph.add((node, SCHEMA.keywords, Literal(keyword.term, lang="zh-Hans")))
    return graph
