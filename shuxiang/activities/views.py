"""The phone-first campaign site: 我要诵读 / 诗集 / 排行 / 范读 / 我的, work pages, events."""

from __future__ import annotations

import secrets

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuxiang.activities import events, fraud, likes, phases, queries, services, works
from shuxiang.activities.models import Campaign, Event, Poem, Registration, Work
from shuxiang.core.errors import ServiceError, ValidationFailed
from shuxiang.core.http import ascii_int, client_ip
from shuxiang.network import scopes

DEVICE_COOKIE = "sx_device"


def _campaign(slug: str) -> Campaign:
    try:
        return queries.campaign(slug)
    except ServiceError:
        raise Http404 from None


def campaign_page(request, template: str, campaign: Campaign, tab: str, **context):
    """A page of the campaign site (menu, staff links), its view counted in the stats."""
    from shuxiang.stats.events import record

    record(
        "page_view",
        library=campaign.library,
        reader=request.user,
        resource_type="activities.campaign",
        item_id=f"activities:campaign:{campaign.pk}",
    )
    is_staff = scopes.covers(request.user, campaign.library, role=scopes.Role.LIBRARIAN)
    context.update(campaign=campaign, tab=tab, is_campaign_staff=is_staff)
    return render(request, template, context)


def index(request):
    campaigns = Campaign.objects.select_related("library")[:50]
    upcoming = Event.objects.select_related("library")[:20]
    return render(request, "activities/index.html", {"campaigns": campaigns, "events": upcoming})


def home(request, slug: str):
    campaign = _campaign(slug)
    return campaign_page(
        request, "activities/home.html", campaign, "home", timeline=phases.timeline(campaign)
    )


def poems(request, slug: str):
    campaign = _campaign(slug)
    return campaign_page(
        request, "activities/poems.html", campaign, "poems", poems=campaign.poems.all()
    )


def readings(request, slug: str):
    campaign = _campaign(slug)
    listed = campaign.poems.exclude(model_reading="")
    return campaign_page(request, "activities/readings.html", campaign, "readings", poems=listed)


def ranking(request, slug: str):
    campaign = _campaign(slug)
    group = request.GET.get("group", "")
    group = group if group in {g["code"] for g in campaign.age_groups} else ""
    library_id = ascii_int(request.GET.get("library"), max_digits=12)
    rows = queries.ranking(campaign, age_group=group, library_id=library_id)
    libraries = campaign.entrants.values_list("library_id", "library__name").distinct()
    return campaign_page(
        request,
        "activities/ranking.html",
        campaign,
        "ranking",
        rows=rows,
        group=group,
        library_id=library_id,
        libraries=sorted(set(libraries)),
    )


@require_http_methods(["GET", "POST"])
def record(request, slug: str):
    """我要诵读: register a child (with consent) and upload a recording."""
    campaign = _campaign(slug)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            _record_post(request, campaign)
            return HttpResponseRedirect(request.path)
        except ServiceError as exc:
            messages.error(request, str(exc))
    entrants = queries.entrants_of(request.user, campaign) if request.user.is_authenticated else []
    return campaign_page(
        request,
        "activities/record.html",
        campaign,
        "record",
        entrants=entrants,
        poems=campaign.poems.all(),
        consent_text=services.CONSENT_TEXT,
    )


def _record_post(request, campaign: Campaign) -> None:
    if request.POST.get("action") == "register":
        services.register_entrant(
            campaign,
            name=request.POST.get("name", ""),
            birth_year=request.POST.get("birth_year", ""),
            consent=request.POST.get("consent") == "yes",
            by=request.user,
        )
        messages.success(request, _("The child is registered."))
        return
    entrant = (
        queries.entrants_of(request.user, campaign)
        .filter(pk=ascii_int(request.POST.get("entrant"), max_digits=12) or 0)
        .first()
    )
    poem = campaign.poems.filter(pk=ascii_int(request.POST.get("poem"), max_digits=12) or 0).first()
    upload = request.FILES.get("recording")
    if entrant is None or poem is None or upload is None:
        raise ValidationFailed.single("recording", _("Choose the child, the poem and a recording."))
    work = works.submit(entrant, poem, upload.read(), by=request.user)
    messages.success(request, _("Recording received; it is published after moderation."))
    return work


@login_required
def mine(request, slug: str):
    campaign = _campaign(slug)
    return campaign_page(
        request,
        "activities/mine.html",
        campaign,
        "mine",
        entrants=queries.entrants_of(request.user, campaign),
        works=queries.works_of(request.user, campaign),
        notices=queries.notices(request.user),
    )


def work(request, token: str):
    try:
        found = queries.visible_work(token, request.user)
    except ServiceError:
        raise Http404 from None
    share = request.build_absolute_uri(reverse("activities:work", args=[token]))
    liked = request.user.is_authenticated and services.liked_today(request.user, found)
    return campaign_page(
        request,
        "activities/work.html",
        found.campaign,
        "ranking",
        work=found,
        name=found.entrant.masked_name,
        share=share,
        liked=liked,
        qr=segno.make(share, error="m").svg_inline(scale=4, border=2),
    )


def work_audio(request, token: str):
    try:
        found = queries.visible_work(token, request.user)
    except ServiceError:
        raise Http404 from None
    if not found.audio:
        raise Http404
    return FileResponse(found.audio.open("rb"), content_type="audio/ogg")


def reading_audio(request, pk: int):
    poem = get_object_or_404(Poem, pk=pk)
    if not poem.model_reading:
        raise Http404
    return FileResponse(poem.model_reading.open("rb"), content_type="audio/ogg")


@require_POST
def like(request, token: str):
    try:
        found = queries.visible_work(token, request.user)
    except ServiceError:
        raise Http404 from None
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_hex(8)
    try:
        counted = likes.like(found, by=request.user, ip=client_ip(request), device=device)
        messages.success(request, _("Liked!") if counted else _("You already liked it today."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    response = HttpResponseRedirect(reverse("activities:work", args=[token]))
    response.set_cookie(DEVICE_COOKIE, device, max_age=365 * 86400, httponly=True, samesite="Lax")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def review(request, slug: str):
    """Staff: like-farming findings with evidence; void likes, disqualify works; moderation."""
    campaign = _campaign(slug)
    try:
        if request.method == "POST":
            _review_post(request, campaign)
            return HttpResponseRedirect(request.path)
        findings = fraud.detect(campaign, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        findings = []
    pending = campaign.works.filter(status=Work.Status.PENDING).select_related("poem")[:50]
    return campaign_page(
        request,
        "activities/review.html",
        campaign,
        "review",
        findings=findings,
        pending=pending,
        date_fields=[(n, getattr(campaign, n)) for n in services.DATE_FIELDS],
    )


def _review_post(request, campaign: Campaign) -> None:
    action, reason = request.POST.get("action"), request.POST.get("reason", "")
    if action == "dates":
        changed = services.change_dates(campaign, request.POST, by=request.user)
        messages.success(request, _("Dates saved.") if changed else _("No date changed."))
        return
    if action in {"void", "restore"}:
        accounts = [
            ascii_int(a, max_digits=12) for a in request.POST.get("accounts", "").split(",")
        ]
        fraud.void_likes(
            campaign,
            [a for a in accounts if a],
            reason=reason,
            by=request.user,
            undo=action == "restore",
        )
        return
    work = get_object_or_404(Work, campaign=campaign, token=request.POST.get("work", ""))
    if action in {"disqualify", "requalify"}:
        fraud.disqualify(work, reason=reason, by=request.user, undo=action == "requalify")
    elif action in {"approve", "hide"}:
        works.moderate(work, approve=action == "approve", reason=reason, by=request.user)


@require_http_methods(["GET", "POST"])
def event(request, pk: int):
    found = get_object_or_404(Event.objects.select_related("library"), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                events.cancel(found, by=request.user)
            else:
                events.register(found, by=request.user)
        except ServiceError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(request.path)
    mine_row = (
        Registration.objects.filter(event=found, reader=request.user).first()
        if request.user.is_authenticated
        else None
    )
    return render(request, "activities/event.html", {"event": found, "mine": mine_row})
