"""Pages of demand feedback: a reader's requests and ratings; librarians' answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from shuxiang.analytics import demand
from shuxiang.analytics.models import DemandRequest, ServiceRating
from shuxiang.core.errors import ServiceError


@login_required
@require_http_methods(["GET", "POST"])
def reader_demand(request: HttpRequest) -> HttpResponse:
    """Ask for a resource the library lacks, rate its services, read the answers."""
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "rate":
                demand.rate_service(
                    by=request.user,
                    service=request.POST.get("service", ""),
                    stars=request.POST.get("stars"),
                    comment=request.POST.get("comment", ""),
                )
            else:
                demand.request_resource(
                    by=request.user,
                    title=request.POST.get("title", ""),
                    author=request.POST.get("author", ""),
                    note=request.POST.get("note", ""),
                )
            return redirect("analytics:demand")
        except ServiceError as error:
            messages.error(request, str(error))
            status = 400
    context = {
        "requests": DemandRequest.objects.filter(reader=request.user)[:50],
        "services": ServiceRating.Service.choices,
    }
    return render(request, "analytics/demand.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def answer_requests(request: HttpRequest) -> HttpResponse:
    """Librarians answer the requests made at their libraries."""
    status = 200
    if request.method == "POST":
        pk = request.POST.get("request", "")
        target = get_object_or_404(
            DemandRequest, pk=int(pk) if pk.isascii() and pk.isdigit() and len(pk) < 12 else 0
        )
        try:
            demand.answer_request(
                target,
                by=request.user,
                status=request.POST.get("status", ""),
                answer=request.POST.get("answer", ""),
            )
            return redirect("analytics:answers")
        except ServiceError as error:
            messages.error(request, str(error))
            status = getattr(error, "status", 400)
    context = {
        "requests": demand.open_requests(request.user),
        "statuses": DemandRequest.Status.choices[1:],
    }
    return render(request, "analytics/answers.html", context, status=status)
