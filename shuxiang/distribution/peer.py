"""Push between federation peers: offers, bag files and reports over RFC 9421 signed requests.

The receiving node signs every request with its node key (``federation.signing.peer_session``);
these views check the signature (``signed_endpoint``: an unsigned request, or one by a key
unknown here or of a node not approved, gets 401 with ``WWW-Authenticate: Signature
error="…"`` and the reason in ``errors[0]``) and answer only for libraries the signing node
hosts (``HostedLibrary``):

- ``GET /packages/peer/offers``: the pending offers to those libraries;
- ``GET|HEAD /packages/peer/offers/<deployment>/<version>/files/<path>``: a file of the offered
  bag, whole or a range (resumable pulls, ``bagserve.serve``);
- ``POST /packages/peer/offers/<deployment>/<version>/batch``: many files in one stream
  (``batch``; how the puller fetches between peers);
- ``POST /packages/peer/offers/<deployment>/<version>/report``: progress and outcome;
- ``POST /packages/peer/offers/<deployment>/<version>/subtree``: the deployments of the
  libraries the node reached by passing the package on (``relay``).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuxiang.core.errors import FieldError, NotFound, ServiceError, ValidationFailed
from shuxiang.distribution import bagserve, batch, deployments, relay
from shuxiang.distribution.models import Deployment, Subscription
from shuxiang.federation.models import Node
from shuxiang.federation.signing import signed_endpoint
from shuxiang.resources import delivery


def _error(exc: ServiceError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def hosted_by(node: Node):
    """Deployments to the libraries ``node`` hosts."""
    return Deployment.objects.filter(library__hosting__node=node)


def _deployment(node: Node, deployment_id: int, version_id: int | None) -> Deployment:
    found = (
        hosted_by(node)
        .select_related("version", "package", "library")
        .filter(pk=deployment_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No offer of this number to a library of your node."))
    if version_id is not None and found.version_id != version_id:
        raise NotFound(_("This offer was withdrawn or replaced by a newer version."))
    return found


@require_http_methods(["GET"])
@signed_endpoint
def offers(request: HttpRequest) -> JsonResponse:
    node = request.federation_node
    found = deployments.offers_to(
        hosted_by(node), Subscription.objects.filter(library__hosting__node=node)
    )
    base = request.build_absolute_uri("/").rstrip("/")  # the address the peer signed for
    items = [deployments.offer_document(d, base, signed=True) for d in found]
    return JsonResponse({"items": items})


@require_http_methods(["GET", "HEAD"])
@signed_endpoint
def bag_file(request: HttpRequest, deployment: int, version: int, path: str) -> HttpResponse:
    try:
        found = _deployment(request.federation_node, deployment, version)
    except ServiceError as exc:
        return _error(exc)
    return bagserve.serve(request, Path(found.version.bag_path), path)


@require_http_methods(["POST"])
@signed_endpoint
def files(request: HttpRequest, deployment: int, version: int) -> HttpResponse:
    try:
        found = _deployment(request.federation_node, deployment, version)
        wanted = batch.parse_request(_body(request))
    except ServiceError as exc:
        return _error(exc)
    bag, targets = Path(found.version.bag_path), []
    for number, (path, offset) in enumerate(wanted):
        target = bagserve.bag_file_path(bag, path)
        if target is None:
            reason = _("No such file in the offered bag: %(p)s") % {"p": path}
            return _error(NotFound(reason, [FieldError(f"files.{number}", reason, "missing")]))
        targets.append((path, target, offset))
    reader = batch.BatchReader(targets)
    chunks = delivery._async_chunks(reader) if isinstance(request, ASGIRequest) else reader
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-transform"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidationFailed.single("body", _("Send a JSON object."), "invalid_json")
    return data


@require_http_methods(["POST"])
@signed_endpoint
def report(request: HttpRequest, deployment: int, version: int) -> JsonResponse:
    try:
        found = _deployment(request.federation_node, deployment, version)
        row = deployments.record_report(found, _body(request))
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse({"library": row.library.code, "state": row.state, "held": row.held})


@require_http_methods(["POST"])
@signed_endpoint
def subtree(request: HttpRequest, deployment: int, version: int) -> JsonResponse:
    try:
        found = _deployment(request.federation_node, deployment, None)  # any version
        count = relay.store_subtree(found, _body(request).get("libraries"))
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse({"library": found.library.code, "libraries": count})
