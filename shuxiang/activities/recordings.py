"""Resumable recording uploads from phones, through the resources app's tus endpoint.

The client creates the upload at ``/resources/uploads/`` with metadata ``purpose
activities.recording``, ``filename``, ``entrant`` and ``poem``; consent, phase and size are
checked before a byte is accepted, and the recording is checked and stored as a work when the
last byte arrives (``X-Upload-Location`` answers with the work's page).
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from shuxiang.activities import phases, works
from shuxiang.activities.models import Entrant, Poem, Work
from shuxiang.activities.services import require_consent
from shuxiang.core.errors import FieldError, ValidationFailed

PURPOSE = "activities.recording"
MAX_BYTES = 50 * 1024 * 1024


def _number(metadata: dict[str, str], field: str) -> int:
    text = metadata.get(field, "")
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        reason = _("Give the number (0-9).")
        raise ValidationFailed(reason, [FieldError(f"metadata.{field}", reason, "invalid")])
    return int(text)


def _parts(actor, metadata: dict[str, str]) -> tuple[Entrant, Poem]:
    entrant = Entrant.objects.select_related("campaign").filter(
        pk=_number(metadata, "entrant"), guardian_id=getattr(actor, "pk", None)
    )
    poem = Poem.objects.filter(pk=_number(metadata, "poem")).first()
    entrant = entrant.first()
    if entrant is None:
        reason = _("None of your children has this number.")
        raise ValidationFailed(reason, [FieldError("metadata.entrant", reason, "unknown")])
    if poem is None or poem.campaign_id != entrant.campaign_id:
        reason = _("This poem is not on the campaign's list.")
        raise ValidationFailed(reason, [FieldError("metadata.poem", reason, "not_listed")])
    return entrant, poem


def check_upload(actor, metadata: dict[str, str], length: int) -> None:
    """At creation: the guardian's own child, with consent, in the submission phase."""
    entrant, _poem = _parts(actor, metadata)
    require_consent(entrant)
    phases.require_open(entrant.campaign, "submission", "recording")
    if length > MAX_BYTES:
        reason = _("A recording may hold at most 50 MB.")
        raise ValidationFailed(reason, [FieldError("Upload-Length", reason, "too_large")])


def finish_upload(upload, part: Path) -> str:
    """The last byte is in: check the recording and store the work (once per upload)."""
    token = upload.pk.hex[:20]
    done = Work.objects.filter(token=token).first()
    if done is None:
        entrant, poem = _parts(upload.owner, upload.metadata)
        done = works.submit(entrant, poem, part.read_bytes(), by=upload.owner, token=token)
    return f"/activities/works/{done.token}/"
