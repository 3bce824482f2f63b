"""Submissions (投稿) and moderation: recordings of poems by entrants with consent."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.activities import audio, phases
from shuxiang.activities.boards import board
from shuxiang.activities.models import Entrant, Poem, Work
from shuxiang.activities.services import notify, require_consent, require_staff
from shuxiang.core import audit
from shuxiang.core.errors import FieldError, PermissionDenied, ValidationFailed


def _require_guardian(entrant: Entrant, by) -> None:
    if getattr(by, "pk", None) != entrant.guardian_id:
        raise PermissionDenied(_("Only the child's guardian can submit for them."))


def submit(entrant: Entrant, poem: Poem, recording: bytes, *, by, token: str = "") -> Work:
    """Check and store a recording: consent first, then the phase, then the audio itself."""
    _require_guardian(entrant, by)
    require_consent(entrant)
    campaign = entrant.campaign
    if poem.campaign_id != campaign.pk:
        reason = _("This poem is not on the campaign's list.")
        raise ValidationFailed(reason, [FieldError("poem", reason, "not_listed")])
    phases.require_open(campaign, "submission", "recording")
    checked = audio.check(
        recording, min_seconds=campaign.min_seconds, max_seconds=campaign.max_seconds
    )
    return _store(entrant, poem, checked, by, token)


@transaction.atomic
def _store(entrant: Entrant, poem: Poem, checked: audio.Checked, by, token: str) -> Work:
    entrant = Entrant.objects.select_for_update().get(pk=entrant.pk)
    require_consent(entrant)  # again inside the transaction: consent may just have gone
    work = Work(
        campaign=entrant.campaign,
        entrant=entrant,
        poem=poem,
        age_group=entrant.age_group,
        library=entrant.library,
        seconds=round(checked.seconds, 2),
    )
    if token:  # a resumable upload's own token: finishing it twice finds the work
        work.token = token
    work.audio.save(f"{work.token}.ogg", ContentFile(checked.data), save=False)
    work.save()
    audit.record(by, "activities.submit_work", work, seconds=work.seconds)
    _record_usage(work, by)
    return work


def _record_usage(work: Work, reader) -> None:
    from shuxiang.stats.events import record

    record(
        "registration",
        library=work.library,
        reader=reader,
        resource_type="activities.upload",
        item_id=f"activities:work:{work.pk}",
    )


@transaction.atomic
def moderate(work: Work, *, approve: bool, reason: str = "", by) -> Work:
    """Approve a work, or hide it with a reason shown to the guardian."""
    require_staff(by, work.campaign, "moderate works of")
    if not approve and not reason.strip():
        raise ValidationFailed.single("reason", _("Say why the work is hidden."), "required")
    work.status = Work.Status.APPROVED if approve else Work.Status.HIDDEN
    work.hidden_reason = "" if approve else reason.strip()[:300]
    work.save(update_fields=["status", "hidden_reason"])
    audit.record(by, "activities.moderate_work", work, approve=approve, reason=reason)
    title = _("Your recording is published") if approve else _("Your recording is hidden")
    notify(work.entrant.guardian, title, work.hidden_reason, f"/activities/works/{work.token}/")
    transaction.on_commit(lambda: board().place(work))
    return work
