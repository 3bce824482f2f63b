"""Derivatives by background tasks (huey, immediate in tests): made, retried, reported."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

import pytest

from shuxiang.resources.models import DerivativeJob, ResourceFile
from shuxiang.resources.storage import get_storage
from shuxiang.resources.tests.helpers import (
    epub_bytes,
    make_resource,
    pdf_bytes,
    png_bytes,
    upload,
)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what services defer to after commit (scheduling and the huey tasks)."""

    def run(make):
        with django_capture_on_commit_callbacks(execute=True):
            return make()

    return run


def files_of(resource, role):
    return list(resource.files.filter(role=role).order_by("order"))


def test_image_gets_a_jpeg_thumbnail_and_the_original_is_untouched(sx_collection, run_tasks):
    data = png_bytes("navy", (1600, 900))
    resource = run_tasks(lambda: make_resource(sx_collection, files=[upload("big.png", data)]))
    (thumb,) = files_of(resource, ResourceFile.Role.THUMBNAIL)
    from PIL import Image

    with Image.open(io.BytesIO(b"".join(get_storage().read_range(thumb.key)))) as image:
        assert image.format == "JPEG" and max(image.size) == 480
    (original,) = files_of(resource, ResourceFile.Role.ORIGINAL)
    assert get_storage().sha256(original.key) == hashlib.sha256(data).hexdigest()
    assert resource.jobs.get().state == DerivativeJob.State.DONE


def test_journal_pdf_gets_one_page_image_per_page(sx_collection, run_tasks):
    resource = run_tasks(
        lambda: make_resource(
            sx_collection,
            type="journal_issue",
            subtype="",
            extra={"journal_title": "图书馆杂志", "year": 2014, "issue": "3"},
            files=[upload("issue.pdf", pdf_bytes(3))],
        )
    )
    pages = files_of(resource, ResourceFile.Role.PAGE)
    assert [p.label for p in pages] == ["1", "2", "3"]
    assert all(p.content_type == "image/jpeg" and p.size > 0 for p in pages)


def test_epub_becomes_clean_chapters_labelled_from_the_table_of_contents(sx_collection, run_tasks):
    book = epub_bytes(
        [("学而第一", "学而时习之"), ("为政第二", "<script>alert(1)</script>为政以德")]
    )
    resource = run_tasks(
        lambda: make_resource(
            sx_collection,
            type="classic",
            subtype="",
            extra={"category": "jing"},
            files=[upload("lunyu.epub", book)],
        )
    )
    chapters = files_of(resource, ResourceFile.Role.CHAPTER)
    assert [c.label for c in chapters] == ["学而第一", "为政第二"]
    html = b"".join(get_storage().read_range(chapters[1].key)).decode()
    assert "为政以德" in html and "<script" not in html
    assert "&lt;script&gt;" in html  # the text was escaped, not run


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed")
def test_video_gets_a_poster_frame_from_ffmpeg(sx_collection, run_tasks, tmp_path):
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
         "-pix_fmt", "yuv420p", str(clip)],
        check=True,
    )  # fmt: skip
    resource = run_tasks(
        lambda: make_resource(
            sx_collection,
            type="video",
            subtype="documentary",
            files=[upload("clip.mp4", clip.read_bytes())],
        )
    )
    (poster,) = files_of(resource, ResourceFile.Role.POSTER)
    assert b"".join(get_storage().read_range(poster.key))[:2] == b"\xff\xd8"  # JPEG


def test_without_ffmpeg_the_poster_job_is_skipped_with_the_reason(
    sx_collection, run_tasks, monkeypatch
):
    monkeypatch.setenv("PATH", "/nonexistent")
    resource = run_tasks(
        lambda: make_resource(
            sx_collection, type="video", subtype="documentary", files=[upload("v.mp4", b"x")]
        )
    )
    job = resource.jobs.get(kind="poster")
    assert job.state == DerivativeJob.State.SKIPPED and "ffmpeg" in job.error


def test_a_failing_derivative_is_retried_then_reported_and_the_original_kept(
    sx_collection, run_tasks
):
    broken = b"%PDF-1.4 this is not really a PDF"
    resource = run_tasks(
        lambda: make_resource(
            sx_collection,
            type="newspaper_page",
            subtype="",
            extra={"newspaper_title": "绍兴日报", "issue_date": "1949-05-07", "page_number": 1},
            files=[upload("page.pdf", broken)],
        )
    )
    job = resource.jobs.get(kind="pages")
    assert job.state == DerivativeJob.State.FAILED
    assert job.attempts == 3  # the first run and two retries
    assert job.error.startswith("attempt 3:")
    (original,) = files_of(resource, ResourceFile.Role.ORIGINAL)
    assert b"".join(get_storage().read_range(original.key)) == broken


def test_retry_failed_runs_the_job_again(sx_collection, run_tasks):
    from shuxiang.resources import tasks

    resource = run_tasks(
        lambda: make_resource(
            sx_collection,
            type="newspaper_page",
            subtype="",
            extra={"newspaper_title": "绍兴日报", "issue_date": "1949-05-07", "page_number": 1},
            files=[upload("page.pdf", b"%PDF broken")],
        )
    )
    assert run_tasks(lambda: tasks.retry_failed(resource)) == 1
    assert resource.jobs.get().attempts == 3


def test_derivatives_read_originals_from_either_storage_backend(storage, sx_collection, run_tasks):
    resource = run_tasks(
        lambda: make_resource(
            sx_collection,
            type="journal_issue",
            subtype="",
            extra={"journal_title": "图书馆杂志", "year": 2014, "issue": "4"},
            files=[upload("issue.pdf", pdf_bytes(2)), upload("cover.png", png_bytes("olive"))],
        )
    )
    assert {job.kind: job.state for job in resource.jobs.all()} == {
        "pages": DerivativeJob.State.DONE,
        "thumbnails": DerivativeJob.State.DONE,
    }
    pages = files_of(resource, ResourceFile.Role.PAGE)
    assert len(pages) == 2 and all(storage.exists(p.key) for p in pages)
