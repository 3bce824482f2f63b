"""Judging pages (评审): judges appointed by staff, the blind score sheet, the results page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuxiang.activities import judges, judging, queries, views
from shuxiang.activities.models import Campaign, Judge, Work
from shuxiang.activities.services import require_staff
from shuxiang.core.errors import PermissionDenied, ServiceError
from shuxiang.core.http import ascii_int
from shuxiang.network import scopes


def _campaign(slug: str) -> Campaign:
    try:
        return queries.campaign(slug)
    except ServiceError:
        raise Http404 from None


def _refused(request, exc: ServiceError) -> HttpResponse:
    return render(request, "activities/refused.html", {"reason": str(exc)}, status=exc.status)


@login_required
@require_http_methods(["GET", "POST"])
def judge_sheet(request, slug: str):
    """A judge's page: shortlisted works by blind code, a score form per criterion, progress."""
    campaign = _campaign(slug)
    if request.method == "POST":
        code = request.POST.get("code", "")
        marks = {c["name"]: request.POST.get(f"mark-{c['name']}", "") for c in campaign.criteria}
        try:
            judges.score_by_code(campaign, code, marks, by=request.user)
            messages.success(request, _("Score saved for %(code)s.") % {"code": code})
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ServiceError as exc:
            messages.error(request, f"{code}: {exc}")
        return HttpResponseRedirect(request.path)
    try:
        found = judges.sheet(campaign, by=request.user)
    except PermissionDenied as exc:
        return _refused(request, exc)
    context = {"campaign": campaign, "sheet": found, "scored": found.scored}
    return render(request, "activities/judge.html", context)


@login_required
def judge_audio(request, slug: str, code: str):
    campaign = _campaign(slug)
    try:
        work = judges.work_by_code(campaign, code, by=request.user)
    except ServiceError:
        raise Http404 from None
    if not work.audio:
        raise Http404
    return FileResponse(work.audio.open("rb"), content_type="audio/ogg")


@login_required
@require_http_methods(["GET", "POST"])
def judges_page(request, slug: str):
    """Staff of the host library appoint (or dismiss) judges."""
    campaign = _campaign(slug)
    try:
        require_staff(request.user, campaign, "appoint judges of")
    except PermissionDenied as exc:
        return _refused(request, exc)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "dismiss":
                account = ascii_int(request.POST.get("account"), max_digits=12) or 0
                judges.dismiss(campaign, account, by=request.user)
            else:
                judges.appoint(campaign, request.POST.get("account", ""), by=request.user)
                messages.success(request, _("Judge appointed."))
        except ServiceError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(request.path)
    listed = Judge.objects.filter(campaign=campaign).select_related("account")
    return render(request, "activities/judges.html", {"campaign": campaign, "judges": listed})


@require_http_methods(["GET", "POST"])
def results_page(request, slug: str):
    """The results (获奖名单): the organiser's page for the host's staff, else the public one.

    Staff see ``?view=public`` as the public does.
    """
    campaign = _campaign(slug)
    is_staff = scopes.covers(request.user, campaign.library, role=scopes.Role.LIBRARIAN)
    if request.method == "GET" and (not is_staff or request.GET.get("view") == "public"):
        return public_results(request, campaign)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        require_staff(request.user, campaign, "see the results of")
    except PermissionDenied as exc:
        return _refused(request, exc)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "publish":
                judges.publish_results(campaign, by=request.user)
            else:
                work = get_object_or_404(Work, campaign=campaign, token=request.POST.get("work"))
                judging.award(work, request.POST.get("prize", ""), by=request.user)
        except ServiceError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(request.path)
    context = {
        "campaign": campaign,
        "tab": "results",
        "is_campaign_staff": True,
        "rows": judging.results(campaign),
        "judge_count": Judge.objects.filter(campaign=campaign).count(),
    }
    return render(request, "activities/results.html", context)


def public_results(request, campaign: Campaign) -> HttpResponse:
    """Published results for everyone: places, prizes, masked names; nothing before."""
    rows = queries.published_results(campaign)
    prizes: dict[str, list[dict]] = {}  # prize → its works, in the order of the ranking
    for row in rows or []:
        if row["prize"]:
            prizes.setdefault(row["prize"], []).append(row)
    return views.campaign_page(
        request,
        "activities/public_results.html",
        campaign,
        "results",
        rows=rows,
        prizes=list(prizes.items()),
    )


@login_required
def certificate(request, token: str):
    work = get_object_or_404(
        Work.objects.select_related("campaign", "entrant", "poem"), token=token
    )
    try:
        pdf = judging.certificate(work, by=request.user)
    except ServiceError as exc:
        return _refused(request, exc)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{work.token}.pdf"'
    return response
