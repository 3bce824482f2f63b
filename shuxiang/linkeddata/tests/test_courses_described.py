"""Courses and lectures are linked data like every other entity: negotiated, stored, removed."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from shuxiang.courses import linked
from shuxiang.linkeddata import describers


@pytest.fixture
def lecture(db):
    from shuxiang.courses.tests.helpers import recorded_lecture, world

    return recorded_lecture(world())


def test_course_and_lecture_pages_answer_turtle(client, lecture):
    for url, uri in (
        (f"/courses/c/{lecture.course.pk}/", linked.course_url(lecture.course)),
        (f"/courses/l/{lecture.pk}/", linked.lecture_url(lecture)),
    ):
        response = client.get(url, HTTP_ACCEPT="text/turtle")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/turtle")
        graph = Graph().parse(data=response.content.decode(), format="turtle")
        assert (URIRef(uri), None, None) in graph


def test_an_unpublished_course_leaves_the_store_with_its_lectures(lecture):
    course = lecture.course
    course.published = False
    course.save()
    documents = [
        doc
        for describer in describers.for_model("courses.Course")
        for doc in describer.documents_for("courses.Course", course.pk)
    ]
    uris = {uri: graph for uri, graph in documents}
    assert uris == {linked.course_url(course): None, linked.lecture_url(lecture): None}
