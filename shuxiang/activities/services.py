"""Campaigns, entrants and guardian consent (监护人同意), notices, erasure with the guardian."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.accounts import inbox
from shuxiang.accounts.models import Message
from shuxiang.activities import clock, phases
from shuxiang.activities.models import Campaign, Consent, Entrant, Like, Poem, Work
from shuxiang.activities.models import mask as mask  # the public form, re-exported
from shuxiang.core import audit
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from shuxiang.network import scopes
from shuxiang.network.models import Library

CONSENT_AGE = 14  # PIPL art. 28 and 31: a child under 14 needs a guardian's consent
CONSENT_VERSION = "2026-1"
CONSENT_TEXT = (
    "I am the child's guardian. I agree that the library stores the child's given name, birth "
    "year and recordings for this campaign, shows the name masked in public, and deletes them "
    "when I erase my account."
)
DATE_ORDER = [
    ("registration_start", "registration_end"),
    ("submission_start", "submission_end"),
    ("like_start", "like_end"),
    ("like_end", "judging_end"),
    ("judging_end", "results_on"),
]


def require_staff(by, campaign: Campaign, action: str) -> None:
    scopes.require(by, campaign.library, action, role=scopes.Role.LIBRARIAN)


def _check_dates(data: dict) -> None:
    for first, last in DATE_ORDER:
        if data[first] > data[last]:
            reason = _("Must not come before %(field)s.") % {"field": first}
            raise ValidationFailed(reason, [FieldError(last, reason, "order")])


@transaction.atomic
def create_campaign(data: dict, *, library: Library, poems: list[dict], by) -> Campaign:
    """A campaign hosted by ``library`` for its subtree, with its poem list."""
    scopes.require(by, library, "hold campaigns for")
    _check_dates(data)
    if Campaign.objects.filter(slug=data["slug"]).exists():
        raise Conflict.single("slug", _("Another campaign already uses this short name."))
    campaign = Campaign.objects.create(library=library, **data)
    for position, poem in enumerate(poems):
        Poem.objects.create(campaign=campaign, position=position, **poem)
    audit.record(by, "activities.create_campaign", campaign)
    return campaign


def age_group_of(campaign: Campaign, birth_year: int, day: dt.date) -> str:
    age = day.year - birth_year
    for group in campaign.age_groups:
        if group["min_age"] <= age <= group["max_age"]:
            return group["code"]
    reason = _("No age group of this campaign takes a child born in %(year)s.") % {
        "year": birth_year
    }
    raise ValidationFailed(reason, [FieldError("birth_year", reason, "age")])


def _clean_name(raw: str) -> str:
    name = unicodedata.normalize("NFKC", raw or "").strip()
    if not name or len(name) > 20 or any(not ch.isprintable() for ch in name):
        reason = _("Give the child's name, 1 to 20 printable characters.")
        raise ValidationFailed(reason, [FieldError("name", reason, "invalid")])
    return name


def _clean_year(raw, day: dt.date) -> int:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text.isascii() or not text.isdigit() or not 1900 < int(text[:5]) <= day.year:
        reason = _("Give the birth year as four digits (0-9).")
        raise ValidationFailed(reason, [FieldError("birth_year", reason, "invalid")])
    return int(text)


@transaction.atomic
def register_entrant(
    campaign: Campaign, *, name: str, birth_year, consent: bool, by, library: Library | None = None
) -> Entrant:
    """A guardian registers a child. Under 14, nothing is stored without recorded consent."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to register a child."))
    phases.require_open(campaign, "registration", "campaign")
    day = clock.beijing_day()
    clean_name, year = _clean_name(name), _clean_year(birth_year, day)
    group = age_group_of(campaign, year, day)
    if day.year - year < CONSENT_AGE + 1 and not consent:
        reason = _("A child under 14 takes part only with the guardian's consent.")
        raise ValidationFailed(reason, [FieldError("consent", reason, "consent_required")])
    home = library or by.home_library or campaign.library
    if not home.in_subtree_of(campaign.library):
        reason = _("This campaign is for the libraries under %(library)s.") % {
            "library": campaign.library.name
        }
        raise ValidationFailed(reason, [FieldError("library", reason, "out_of_scope")])
    entrant = Entrant.objects.create(
        campaign=campaign,
        guardian=by,
        library=home,
        name=clean_name,
        birth_year=year,
        age_group=group,
    )
    Consent.objects.create(
        entrant=entrant,
        guardian=by,
        given_at=clock.now(),
        statement=CONSENT_TEXT,
        statement_version=CONSENT_VERSION,
    )
    audit.record(by, "activities.register_entrant", entrant, consent=CONSENT_VERSION)
    return entrant


def require_consent(entrant: Entrant) -> None:
    """Raise unless the entrant's guardian consent is on record (checked before storing)."""
    if entrant.erased_at or not Consent.objects.filter(entrant=entrant).exists():
        reason = _("The guardian's consent is not on record, so nothing of this child is kept.")
        raise PermissionDenied(reason, [FieldError("entrant", reason, "consent_required")])


def erase_children_of(guardian) -> int:
    """Remove the personal data of a guardian's children; works' counts stay, anonymous.

    Connected to the accounts app's ``account_erased`` signal (inside its transaction).
    """
    entrants = list(Entrant.objects.filter(guardian=guardian, erased_at__isnull=True))
    for entrant in entrants:
        for work in entrant.works.all():
            if work.audio:
                path = work.audio.name
                storage = work.audio.storage
                transaction.on_commit(lambda s=storage, p=path: s.delete(p))
            work.audio = ""
            work.save(update_fields=["audio"])
        Consent.objects.filter(entrant=entrant).delete()
    Entrant.objects.filter(pk__in=[e.pk for e in entrants]).update(
        name_enc="", name_masked="", birth_year_enc="", erased_at=clock.now()
    )
    inbox.forget(guardian, source="activities")
    return len(entrants)


def notify(recipient, title: str, body: str = "", link: str = "") -> Message | None:
    """A message in the reader's in-site inbox (站内信); e-mail too when they gave an address."""
    if recipient is None:
        return None
    made = inbox.deliver([recipient], title, source="activities", body=body, link=link)
    return made[0] if made else None


def liked_today(reader, work: Work) -> bool:
    return Like.objects.filter(reader=reader, work=work, day=clock.beijing_day()).exists()


DATE_FIELDS = [field for pair in DATE_ORDER[:3] for field in pair] + ["judging_end", "results_on"]


def _parse_dates(campaign: Campaign, raw: dict) -> dict[str, dt.date]:
    """Each date as YYYY-MM-DD (NFKC, ASCII digits); a missing one keeps its value."""
    dates = {}
    for name in DATE_FIELDS:
        value = raw.get(name)
        if value in (None, ""):
            dates[name] = getattr(campaign, name)
            continue
        if isinstance(value, dt.date):
            dates[name] = value
            continue
        text = unicodedata.normalize("NFKC", str(value)).strip()
        try:
            if not (text.isascii() and len(text) == 10):
                raise ValueError
            dates[name] = dt.date.fromisoformat(text)
        except ValueError:
            reason = _("Give a date as YYYY-MM-DD.")
            raise ValidationFailed(reason, [FieldError(name, reason, "invalid")]) from None
    return dates


@transaction.atomic
def change_dates(campaign: Campaign, raw: dict, *, by) -> list[str]:
    """Staff move phase dates; guardians hear the new dates once per change (returns fields)."""
    require_staff(by, campaign, "change the dates of")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    dates = _parse_dates(campaign, raw)
    _check_dates(dates)
    changed = [n for n in DATE_FIELDS if getattr(campaign, n) != dates[n]]
    if not changed:  # the same change sent twice (or a double submit): nothing to tell
        return []
    before = {n: getattr(campaign, n).isoformat() for n in changed}
    for name in changed:
        setattr(campaign, name, dates[name])
    campaign.save(update_fields=changed)
    audit.record(
        by,
        "activities.change_dates",
        campaign,
        before=before,
        after={n: dates[n].isoformat() for n in changed},
    )
    _tell_new_dates(campaign, changed)
    return changed


def _tell_new_dates(campaign: Campaign, changed: list[str]) -> None:
    lines = [
        f"{row['label']}: {row['first']:%Y-%m-%d} – {row['last']:%Y-%m-%d}"
        for row in phases.timeline(campaign)
    ]
    title = _("%(campaign)s: new dates") % {"campaign": campaign.title}
    guardians = {e.guardian for e in campaign.entrants.select_related("guardian")}
    for guardian in guardians:
        notify(guardian, title, "\n".join(lines), f"/activities/{campaign.slug}/")
