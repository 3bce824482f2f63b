"""STAND-IN until branch fed-core lands (its signing.py replaces this file at the merge).

Same names as the federation contract (``peer_session``, ``signed_endpoint``) so the SSO code
runs; it names the calling node by a header and signs nothing.
"""

from __future__ import annotations

import functools

import requests
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from shuxiang.core.http import base_url


def peer_session(node=None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.headers["X-Federation-Node"] = base_url()
    return session


def signed_endpoint(view):
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        from shuxiang.federation.models import Node

        node = Node.objects.filter(
            base_url=request.headers.get("X-Federation-Node", ""), status="approved"
        ).first()
        if node is None:
            return JsonResponse({"detail": "unsigned"}, status=401)
        request.federation_node = node
        return view(request, *args, **kwargs)

    return wrapper
