"""Each lecture's subtitle keywords, kept for librarians to accept or reject; a fresh
extraction (``shuxiang.courses.extraction``) keeps their decisions."""

from __future__ import annotations

from shuxiang.courses.extraction import extract, parse_cues
from shuxiang.courses.models import Keyword, Lecture


def subtitles_of(lecture: Lecture) -> bytes | None:
    """The WebVTT subtitles stored with the lecture's video resource, if any."""
    from shuxiang.resources.models import ResourceFile
    from shuxiang.resources.storage import get_storage

    if lecture.video_id is None:
        return None
    item = (
        ResourceFile.objects.filter(resource_id=lecture.video_id, role="subtitles")
        .order_by("order")
        .first()
    )
    if item is None:
        return None
    return b"".join(get_storage().read_range(item.key))


def refresh(lecture_id: int) -> int:
    """Extract the lecture's keywords again; reviewed ones keep their review. Returns count."""
    lecture = Lecture.objects.filter(pk=lecture_id).first()
    data = subtitles_of(lecture) if lecture else None
    if not data:
        return 0
    found = extract(parse_cues(data))
    reviewed = dict(lecture.keywords.exclude(review="pending").values_list("term", "review"))
    lecture.keywords.filter(review="pending").delete()
    for term, weight, start in found:
        Keyword.objects.update_or_create(
            lecture=lecture,
            term=term,
            defaults={"weight": weight, "start_seconds": start,
                      "review": reviewed.get(term, "pending")},
        )  # fmt: skip
    return len(found)
