"""Courses and lectures (公开课): the courses app's own RDF (``courses.linked``) served here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rdflib import Graph

from shuxiang.courses import linked
from shuxiang.courses.models import Course, Lecture
from shuxiang.linkeddata.describers.base import Describer


@dataclass(kw_only=True)
class CourseAppDescriber(Describer):
    """One kind of the courses app: public objects by primary key, described by ``linked``."""

    kind: str
    url_names: tuple[str, ...]
    models: tuple[str, ...]
    public: Callable[[], object]  # the queryset of public objects of this kind
    every: Callable[[], Iterable[object]]
    describe: Callable[[object], Graph]
    uri: Callable[[object], str]
    model: type

    def describe_page(self, pk: int, **kwargs) -> Graph | None:
        found = self.public().filter(pk=pk).first()
        return None if found is None else self.describe(found)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        for obj in self.every():
            yield self.uri(obj), self.describe(obj)

    def documents_for(self, model: str, pk: object) -> list[tuple[str, Graph | None]]:
        if model == "courses.Course" and self.model is Lecture:  # a course's lectures follow it
            pks = Lecture.objects.filter(course_id=pk).values_list("pk", flat=True)
            return [doc for lecture in pks for doc in self.documents_for("", lecture)]
        visible = self.public().filter(pk=pk).first()
        uri = self.uri(self.model(pk=pk))  # the URI needs only the key: deleted rows go too
        return [(uri, None if visible is None else self.describe(visible))]


DESCRIBERS = [
    CourseAppDescriber(
        kind="course",
        url_names=("courses:course",),
        models=("courses.Course",),
        public=lambda: Course.objects.filter(published=True),
        every=linked.iter_courses,
        describe=linked.describe_course,
        uri=linked.course_url,
        model=Course,
    ),
    CourseAppDescriber(
        kind="lecture",
        url_names=("courses:lecture",),
        models=("courses.Lecture", "courses.Course"),
        public=lambda: Lecture.objects.filter(course__published=True),
        every=linked.iter_lectures,
        describe=linked.describe_lecture,
        uri=linked.lecture_url,
        model=Lecture,
    ),
]
