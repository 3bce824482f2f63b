"""Node-to-node endpoints under ``/federation/peer/`` (every one signed; see signing.py)."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shuxiang.core.errors import ServiceError, ValidationFailed
from shuxiang.federation import joining, keys, services
from shuxiang.federation.signing import (
    SignatureRefused,
    refusal_response,
    signed_endpoint,
    verify_self_signed,
)


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed.single("body", f"The body is not JSON: {exc}", "json") from exc
    if not isinstance(data, dict):
        raise ValidationFailed.single("body", "The body must be a JSON object.", "json")
    return data


def _error(exc: ServiceError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def own_keys_document() -> dict:
    return {"keys": [{"key_id": k.key_id, "public_key": k.public_key_b64,
                      "retires": k.retires.isoformat() if k.retires else None}
                     for k in keys.own_keys()]}  # fmt: skip


@require_http_methods(["GET"])
def public_keys(request: HttpRequest) -> JsonResponse:
    """This node's public keys, unsigned (public; for checking a key out of band)."""
    return JsonResponse(own_keys_document())


@require_http_methods(["GET", "POST"])
@signed_endpoint(statuses=("approved",))
def peer_keys(request: HttpRequest) -> JsonResponse:
    """GET: this node's usable keys. POST: the signing node announces its new key."""
    if request.method == "POST":
        try:
            services.accept_key(request.federation_node, _json_body(request))
        except ServiceError as exc:
            return _error(exc)
    return JsonResponse(own_keys_document())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def peer_join(request: HttpRequest) -> JsonResponse:
    """POST: a join request signed by the key it carries. GET: the joining node's status."""
    if request.method == "GET":
        return _join_status(request)
    try:
        data = _json_body(request)
        key_id = verify_self_signed(request, str(data.get("public_key", "")))
        node = services.receive_join(data, key_id=key_id)
    except SignatureRefused as refusal:
        return refusal_response(refusal)
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse(services.join_answer(node), status=202)


@signed_endpoint(statuses=("pending", "approved", "refused", "revoked"))
def _join_status(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.join_answer(request.federation_node))


@require_http_methods(["POST"])
@signed_endpoint(statuses=("approved",))
def peer_libraries(request: HttpRequest) -> JsonResponse:
    """An approved child relays the libraries its own children host."""
    from shuxiang.federation import relay

    try:
        codes = relay.receive(request.federation_node, _json_body(request))
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse({"libraries": codes})


@require_http_methods(["POST"])
@signed_endpoint(statuses=("pending", "approved"))
def peer_decision(request: HttpRequest) -> JsonResponse:
    """The parent tells this node its decision (approved, refused, revoked)."""
    try:
        node = joining.receive_decision(request.federation_node, _json_body(request))
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse({"status": node.status})
