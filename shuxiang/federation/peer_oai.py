"""``/federation/peer/oai``: the catalog's OAI-PMH provider for this node's parent, signed.

The parent harvests with a federation peer's visibility: every record and every set, whatever
its access policy (anonymous harvesters see public records only). The policy travels with each
record in the native format, and the parent's search enforces it there as here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuxiang.catalog.oai.provider import Provider
from shuxiang.catalog.search.base import Visibility
from shuxiang.core import options
from shuxiang.core.http import base_url
from shuxiang.federation.harvest import PEER_OAI_PATH
from shuxiang.federation.models import Node
from shuxiang.federation.signing import signed_endpoint

PEER_VISIBILITY = Visibility(everything=True)
MAX_PAGE_SIZE = 2000


@require_http_methods(["GET", "POST"])
@signed_endpoint(statuses=("approved",))
def peer_oai(request: HttpRequest) -> HttpResponse:
    """OAI-PMH 2.0 for this node's approved parent (GET or form-encoded POST)."""
    if request.federation_node.relation != Node.Relation.PARENT:
        reason = _("Only this node's parent harvests its records.")
        return JsonResponse(
            {"detail": reason, "errors": [{"field": "Signature", "reason": reason,
                                           "code": "not_parent"}]},
            status=403,
        )  # fmt: skip
    data = request.GET if request.method == "GET" else request.POST
    params = {key: data.getlist(key) for key in data}
    node_url = base_url()
    size = max(1, min(int(options.value("FEDERATION_OAI_PAGE_SIZE")), MAX_PAGE_SIZE))
    body = Provider(
        node_url + PEER_OAI_PATH, visibility=PEER_VISIBILITY, node_url=node_url, page_size=size
    ).respond(params)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
