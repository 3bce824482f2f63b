"""Signed node-to-node endpoints of identifiers along the tree (``/federation/peer/identifiers/``).

- ``POST report``: a child reports identifier changes (``{"items": [...]}``).
- ``POST delegation``: the parent tells this node the prefixes it delegated to it;
  ``GET delegation``: a child asks which prefixes this node delegated to it.
- ``POST revocation``: the parent revoked a prefix it delegated here (with its reason);
- ``GET lookup?name=``: the parent asks for the state of one name.

Each parses, calls one service and answers JSON; refusals answer the service error's status
with ``{"detail", "errors": [{"field", "reason", "code"}]}``.
"""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuxiang.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from shuxiang.federation import delegation, pid_reports, pid_resolve, prefix_revocation
from shuxiang.federation.models import Node
from shuxiang.federation.signing import signed_endpoint
from shuxiang.identifiers import names


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.single("body", _("The body is not JSON."), "malformed") from None
    if not isinstance(body, dict):
        raise ValidationFailed.single("body", _("The body is a JSON object."), "malformed")
    return body


def _answer(call) -> JsonResponse:
    try:
        return JsonResponse(call(), json_dumps_params={"ensure_ascii": False})
    except ServiceError as exc:
        return JsonResponse(
            exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False}
        )


@signed_endpoint
@require_http_methods(["POST"])
def report(request):
    node = request.federation_node
    return _answer(lambda: pid_reports.receive(node, _json_body(request).get("items")))


@signed_endpoint
@require_http_methods(["GET", "POST"])
def delegation_view(request):
    node = request.federation_node
    if request.method == "GET":
        return _answer(
            lambda: {
                "root": names.root_prefix(),
                "prefixes": delegation.granted_to(node),
                "revoked": delegation.revoked_from(node),
            }
        )

    def receive():
        body = _json_body(request)
        prefixes = body.get("prefixes", [body.get("prefix")] if "prefix" in body else [])
        if not isinstance(prefixes, list) or not prefixes:
            raise ValidationFailed.single("prefix", _("Name the delegated prefix."), "required")
        rows = delegation.receive(node, root=str(body.get("root", "")), prefixes=prefixes)
        return {"prefixes": [row.prefix for row in rows]}

    return _answer(receive)


@signed_endpoint
@require_http_methods(["POST"])
def revocation(request):
    """The parent revoked a prefix it had delegated here (``{"root", "prefix", "reason"}``)."""
    node = request.federation_node

    def receive():
        body = _json_body(request)
        row = prefix_revocation.receive(
            node, root=str(body.get("root", "")), prefix=body.get("prefix"),
            reason=body.get("reason"),
        )  # fmt: skip
        return {"prefix": row.prefix, "revoked_at": row.revoked_at.isoformat()}

    return _answer(receive)


@signed_endpoint
@require_http_methods(["GET"])
def lookup(request):
    node = request.federation_node

    def find():
        if node.relation != Node.Relation.PARENT:
            raise PermissionDenied(_("Only the parent node looks names up here."))
        name = request.GET.get("name", "")
        state = pid_resolve.state_for_parent(name) if name else None
        if state is None:
            raise NotFound(_("No identifier is named %(name)s.") % {"name": name})
        return state

    return _answer(find)
