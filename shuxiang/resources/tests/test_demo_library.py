"""The demo's classics shelf: hundreds of e-books from the shared texts, each with a cover."""

from __future__ import annotations

import io

from PIL import Image

from shuxiang.resources.demo_library import books, load_demo_library, texts_dir
from shuxiang.resources.models import Resource, ResourceFile
from shuxiang.resources.tests.test_demo import demo_network  # noqa: F401  (fixture)


def test_the_shared_classics_make_hundreds_of_books_shelved_by_poet_and_section():
    assert texts_dir() is not None, (
        "the bundled texts (shuxiang/catalog/fixtures/texts) are missing"
    )
    shelf = books(limit=0)
    titles = [book.title for book in shelf]
    assert len(shelf) >= 300 and len(set(titles)) == len(titles)
    assert {"唐诗三百首", "宋词三百首", "诗经", "楚辞", "四书"} <= {book.shelf for book in shelf}
    li_bai = next(book for book in shelf if book.title == "唐诗三百首·李白")
    assert li_bai.creator == "李白" and len(li_bai.chapters) >= 20
    assert next(b for b in shelf if b.title == "论语").chapters[0][0] == "学而篇"


def test_a_thinned_demo_publishes_books_with_drawn_covers_once(
    demo_network,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):  # derivatives run after commit
        first = load_demo_library(say=lambda line: None, limit=4)
    assert first == {"created": 4, "existing": 0}
    shelf = Resource.objects.filter(collection__code="classics")
    assert shelf.filter(status=Resource.Status.PUBLISHED).count() == 4
    for resource in shelf:
        jobs = list(resource.jobs.values_list("kind", "state", "error"))
        assert resource.files.filter(role=ResourceFile.Role.CHAPTER).exists(), (resource, jobs)
        cover = resource.files.get(role=ResourceFile.Role.THUMBNAIL)
        body = b"".join(client.get(f"/resources/{resource.pk}/files/{cover.pk}").streaming_content)
        assert Image.open(io.BytesIO(body)).size == (600, 800)
    listing = client.get("/resources/").content.decode()
    assert listing.count('loading="lazy"') >= 4 and "论语" in listing
    assert load_demo_library(say=lambda line: None, limit=4) == {"created": 0, "existing": 4}
