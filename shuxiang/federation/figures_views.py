"""Signed peer endpoints of figures and health: ``/federation/peer/rollups`` and ``heartbeat``.

They parse the JSON body, call one service with the verified sending node and answer JSON;
a refused input answers the service error's status with ``{"detail", "errors"}``.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError, ValidationFailed
from shuxiang.federation import figures, health
from shuxiang.federation.signing import signed_endpoint


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed.single("body", _("Send a JSON object."), "invalid_json") from error


@signed_endpoint
@require_POST
def peer_rollups(request: HttpRequest) -> JsonResponse:
    try:
        answer = figures.receive_figures(request.federation_node, _json_body(request))
    except ServiceError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse(answer)


@signed_endpoint
@require_POST
def peer_heartbeat(request: HttpRequest) -> JsonResponse:
    try:
        beat = health.receive_heartbeat(request.federation_node, _json_body(request))
    except ServiceError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse({"library": beat.library.code, "at": beat.at.isoformat()})
