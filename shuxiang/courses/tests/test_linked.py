"""Courses and lectures as schema.org RDF for the linked-data app, read back by rdflib."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, URIRef

from shuxiang.courses import linked
from shuxiang.courses.tests.helpers import recorded_lecture, world

pytestmark = pytest.mark.django_db
BASE = "https://node.example.org"


def test_a_course_and_its_lecture_round_trip_through_turtle_and_json_ld(client):
    w = world()
    lecture = recorded_lecture(w)
    course_graph = linked.describe_course(w["course"], BASE)
    lecture_graph = linked.describe_lecture(lecture, BASE)
    course_node = URIRef(f"{BASE}/courses/c/{w['course'].pk}/")
    lecture_node = URIRef(f"{BASE}/courses/l/{lecture.pk}/")
    for graph in (course_graph, lecture_graph):
        for fmt in ("turtle", "json-ld", "xml", "nt"):
            again = Graph().parse(data=graph.serialize(format=fmt), format=fmt)
            assert len(again) == len(graph)
    assert (course_node, RDF.type, linked.SCHEMA.Course) in course_graph
    assert (course_node, linked.SCHEMA.hasPart, lecture_node) in course_graph
    assert (lecture_node, RDF.type, linked.SCHEMA.VideoObject) in lecture_graph
    transcript = str(lecture_graph.value(lecture_node, linked.SCHEMA.transcript))
    assert "有教无类" in transcript
    speaker = lecture_graph.value(lecture_node, linked.SCHEMA.actor)
    assert (speaker, RDF.type, linked.SCHEMA.Person) in lecture_graph
    keywords = {str(k) for k in lecture_graph.objects(lecture_node, linked.SCHEMA.keywords)}
    assert "论语" in keywords
    for node in (course_node, lecture_node, speaker):  # each URI is a page of this node
        assert client.get(str(node).removeprefix(BASE)).status_code == 200
    assert [c.pk for c in linked.iter_courses()] == [w["course"].pk]
    assert [x.pk for x in linked.iter_lectures()] == [lecture.pk]
