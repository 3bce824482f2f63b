"""Signed requests between nodes: RFC 9421 HTTP Message Signatures, RFC 9530 Content-Digest.

Profile (docs/federation.md): label ``fed``; covered components ``@method``, ``@target-uri``
and ``content-digest`` when there is a body; parameters ``created``, ``expires`` (created +
``SHUXIANG_FEDERATION_SIGNATURE_SECONDS``), ``nonce``, ``keyid``, ``alg="ed25519"``. The
``http-message-signatures`` library builds and checks the signature base; this module decides
policy (which key, which node, replay, refusal codes) and logs and audits every refusal.
"""

from __future__ import annotations

import base64
import functools
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.csrf import csrf_exempt
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from http_sf.compat import InnerList, Item

from shuxiang.core import options
from shuxiang.core.models import AuditEvent
from shuxiang.federation import keys, peer_trust, replay
from shuxiang.federation.models import Node, NodeKey

LABEL = "fed"
COVERED = ("@method", "@target-uri")
REQUIRED_PARAMS = ("created", "expires", "nonce", "keyid", "alg")
log = logging.getLogger("shuxiang.federation")

CODES = {
    "unsigned": "The request carries no Signature-Input and Signature.",
    "malformed": "The signature headers do not follow this network's signature profile.",
    "expired": "The signature has expired (or was made in the future).",
    "replayed": "This signature's nonce was already used.",
    "digest_mismatch": "The body does not match its signed Content-Digest.",
    "bad_signature": "The signature does not verify.",
    "unknown_key": "The signing key is unknown here (or retired).",
    "node_not_approved": "The signing node is not approved here.",
}


class SignatureRefused(Exception):
    """A peer request was refused; ``code`` is one of ``CODES``."""

    def __init__(self, code: str, reason: str | None = None):
        self.code = code
        self.reason = reason or CODES[code]
        super().__init__(f"{code}: {self.reason}")

    def as_dict(self) -> dict:
        error = {"field": "Signature", "reason": self.reason, "code": self.code}
        return {"detail": self.reason, "errors": [error]}


# --- signing -----------------------------------------------------------------------------


_SIGNER = HTTPMessageSigner(signature_algorithm=algorithms.ED25519)


def sign_prepared(
    request: requests.PreparedRequest, *, key: keys.OwnKey | None = None, created=None, nonce=None
) -> None:
    """Sign ``request`` in place with ``key`` (default: this node's current key).

    The library builds the signature base (``prepare``); the base is signed right away, so the
    headers are written here rather than by ``apply``, which would build the base a second time
    to check that the message did not change while a remote signer was working."""
    for name in ("Signature", "Signature-Input", "Content-Digest"):
        request.headers.pop(name, None)
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is not None and not isinstance(body, bytes):
        raise TypeError("signed peer requests need a body of bytes (not a stream)")
    created = created or timezone.now()
    lifetime = timedelta(seconds=options.value("FEDERATION_SIGNATURE_SECONDS"))
    key = key or keys.own_key()
    prepared = _SIGNER.prepare(
        request,
        key_id=key.key_id,
        created=created,
        expires=created + lifetime,
        nonce=nonce or secrets.token_urlsafe(16),
        label=LABEL,
        covered_component_ids=COVERED,
        body=body or None,
    )
    signature = base64.b64encode(key.private_key.sign(prepared.signature_base)).decode("ascii")
    request.headers["Signature-Input"] = f"{LABEL}={prepared.signature_params}"
    request.headers["Signature"] = f"{LABEL}=:{signature}:"


class NodeAuth(requests.auth.AuthBase):
    """Signs each outgoing request with this node's key (``requests`` auth hook)."""

    def __init__(self, key: keys.OwnKey | None = None):
        self.key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        sign_prepared(request, key=self.key)
        return request


class _PeerSession(requests.Session):
    def request(self, method, url, *args, **kwargs):
        read = options.value("FEDERATION_TIMEOUT")
        kwargs.setdefault("timeout", (min(5, read), read))  # (connect, read) seconds
        return super().request(method, url, *args, **kwargs)


def peer_session(node: Node | None = None) -> requests.Session:
    """A ``requests`` session signing every request; ``session.base_url`` is the node's URL."""
    session = _PeerSession()
    session.auth = NodeAuth()
    session.headers["User-Agent"] = "Shuxiang-federation/1"
    session.headers["Accept"] = "application/json"
    session.base_url = node.base_url if node is not None else ""
    return session


# --- verifying ---------------------------------------------------------------------------


@dataclass
class _Message:
    """The view of a Django request the library reads: method, absolute URL, header lines."""

    method: str
    url: str
    headers: object


class _FixedKey(HTTPSignatureKeyResolver):
    def __init__(self, public: Ed25519PublicKey):
        self.public = public

    def resolve_public_key(self, key_id: str):
        return self.public


def _message(request: HttpRequest) -> _Message:
    return _Message(request.method, request.build_absolute_uri(), request.headers)


def _signature_input(message: _Message) -> tuple[InnerList, Item]:
    """Our label's signature parameters and signature, checked against the profile."""
    if "Signature-Input" not in message.headers and "Signature" not in message.headers:
        raise SignatureRefused("unsigned")
    try:
        inputs = HTTPMessageVerifier._parse_signature_dictionary(message.headers["Signature-Input"])
        signatures = HTTPMessageVerifier._parse_signature_dictionary(message.headers["Signature"])
    except Exception as exc:
        raise SignatureRefused("malformed", "The signature headers cannot be parsed.") from exc
    if LABEL not in inputs or LABEL not in signatures or not isinstance(inputs[LABEL], InnerList):
        raise SignatureRefused("malformed", f'There is no signature labelled "{LABEL}".')
    if len(inputs) != 1 or len(signatures) != 1:
        raise SignatureRefused("malformed", f'Only the "{LABEL}" signature is accepted.')
    sig_input, signature = inputs[LABEL], signatures[LABEL]
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
        raise SignatureRefused("malformed", "The signature must be a byte sequence.")
    missing = [p for p in REQUIRED_PARAMS if p not in sig_input.params]
    if missing:
        raise SignatureRefused("malformed", "Missing signature parameters: " + ", ".join(missing))
    if sig_input.params["alg"] != "ed25519":
        raise SignatureRefused("malformed", 'The signature algorithm must be "ed25519".')
    if any(type(sig_input.params[p]) is not int for p in ("created", "expires")):
        raise SignatureRefused("malformed", '"created" and "expires" must be integers.')
    if any(not isinstance(sig_input.params[p], str) for p in ("nonce", "keyid")):
        raise SignatureRefused("malformed", '"nonce" and "keyid" must be strings.')
    if not 8 <= len(sig_input.params["nonce"]) <= 64 or len(sig_input.params["keyid"]) > 64:
        raise SignatureRefused("malformed", "The nonce or key id has the wrong length.")
    return sig_input, signature


def _check_profile(sig_input: InnerList, body: bytes) -> None:
    covered = [item.value for item in sig_input]
    needed = [*COVERED, "content-digest"] if body else list(COVERED)
    if any(c not in covered for c in needed):
        raise SignatureRefused("malformed", "The signature must cover " + ", ".join(needed) + ".")
    if any(item.params for item in sig_input):
        raise SignatureRefused("malformed", "Covered components take no parameters here.")


def _check_time(sig_input: InnerList) -> None:
    now = int(timezone.now().timestamp())
    skew = options.value("FEDERATION_CLOCK_SKEW_SECONDS")
    created, expires = sig_input.params["created"], sig_input.params["expires"]
    if expires < now - skew:
        raise SignatureRefused("expired", f"The signature expired at {expires} (now {now}).")
    if created > now + skew:
        raise SignatureRefused("expired", "The signature was created in the future.")
    if expires - created > options.value("FEDERATION_SIGNATURE_SECONDS") + skew:
        raise SignatureRefused("malformed", "The signature's lifetime is longer than allowed.")


def _peer_key(
    key_id: str, statuses: tuple[str, ...]
) -> tuple[peer_trust.PeerKey, Ed25519PublicKey]:
    entry = peer_trust.lookup(key_id)
    if entry is not None and entry.node_status not in statuses:
        reason = f"The node {entry.node_name} is {entry.node_status} here."
        raise SignatureRefused("node_not_approved", reason)
    # a revoked node's keys are retired, yet it may still read its own status where allowed
    if entry is None or (not entry.is_active() and entry.node_status != Node.Status.REVOKED):
        raise SignatureRefused("unknown_key", f'The key "{key_id}" is unknown here or retired.')
    return entry, entry.public


def _check_signature(
    message: _Message, sig_input: InnerList, signature: Item, public: Ed25519PublicKey, body: bytes
) -> dict:
    """The library checks the signature over the base it builds (``bad_signature``), then the
    body against the signed Content-Digest (``digest_mismatch``). Its ``verify`` would parse
    both headers again; ``_signature_input`` has parsed them with the library's own parser."""
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=None)
    verifier.key_resolver = _FixedKey(public)
    verifier.max_clock_skew = timedelta(seconds=options.value("FEDERATION_CLOCK_SKEW_SECONDS"))
    try:
        result = verifier._verify_one(
            label=LABEL, sig_input=sig_input, signature=signature, message=message, max_age=None
        )
    except (InvalidSignature, HTTPMessageSignaturesException, ValueError) as exc:
        raise SignatureRefused("bad_signature") from exc
    try:
        ContentDigest.verify_components(result.covered_components, body)
    except (InvalidSignature, HTTPMessageSignaturesException) as exc:
        raise SignatureRefused("digest_mismatch") from exc
    return result.parameters


def _use_nonce(key_id: str, nonce: str, expires: int) -> None:
    until = expires + options.value("FEDERATION_CLOCK_SKEW_SECONDS")
    if not replay.get_store().claim(key_id, nonce, until):
        raise SignatureRefused("replayed")


def _verify(request: HttpRequest, resolve: Callable[[str], tuple[Any, Ed25519PublicKey]]):
    message = _message(request)
    body = request.body
    sig_input, signature = _signature_input(message)
    _check_profile(sig_input, body)
    _check_time(sig_input)
    node, public = resolve(sig_input.params["keyid"])
    params = _check_signature(message, sig_input, signature, public, body)
    _use_nonce(params["keyid"], params["nonce"], params["expires"])
    return node


def _refused(request: HttpRequest, refusal: SignatureRefused) -> None:
    """Log and audit a refusal (outside any request transaction)."""
    key_id = _claimed_key_id(request)
    log.warning(
        "federation request refused: %s (%s) %s %s key=%s from=%s",
        refusal.code, refusal.reason, request.method, request.path, key_id,
        request.META.get("REMOTE_ADDR"),
    )  # fmt: skip
    node = NodeKey.objects.filter(key_id=key_id).values_list("node_id", flat=True).first()
    AuditEvent.objects.create(
        actor=None,
        actor_label="system",
        action="federation.refused",
        target_type="federation.node" if node else "federation.nodekey",
        target_id=str(node or key_id)[:64],
        data={"code": refusal.code, "reason": refusal.reason, "path": request.path[:300],
              "method": request.method, "remote": request.META.get("REMOTE_ADDR", "")},
    )  # fmt: skip
    if node:
        Node.objects.filter(pk=node).update(
            last_error=f"{refusal.code}: {refusal.reason}"[:1000], last_error_at=timezone.now()
        )


def _claimed_key_id(request: HttpRequest) -> str:
    raw = request.headers.get("Signature-Input", "")
    marker = 'keyid="'
    if marker not in raw:
        return ""
    return raw.split(marker, 1)[1].split('"', 1)[0][:64]


def verify_request(request: HttpRequest, *, statuses: tuple[str, ...] = ("approved",)) -> Node:
    """The peer node that signed ``request``; raises ``SignatureRefused`` (logged, audited).

    The node is read from the database only when the view uses it (a lazy object)."""
    try:
        entry = _verify(request, lambda key_id: _peer_key(key_id, statuses))
    except SignatureRefused as refusal:
        _refused(request, refusal)
        raise
    peer_trust.mark_seen(entry)
    return SimpleLazyObject(functools.partial(Node.objects.get, pk=entry.node_id))


def verify_self_signed(request: HttpRequest, public_key_b64: str) -> str:
    """Check a join request signed by the key it presents (proof of possession); its key id."""
    try:
        public = keys.public_key_from_b64(public_key_b64)
    except ValueError:
        refusal = SignatureRefused("malformed", "public_key is not a raw Ed25519 key.")
        _refused(request, refusal)
        raise refusal from None
    key_id = keys.key_id_for(keys.raw_public(public))

    def resolve(claimed: str):
        if claimed != key_id:
            raise SignatureRefused("unknown_key", "The join request is not signed by its key.")
        return None, public

    try:
        _verify(request, resolve)
    except SignatureRefused as refusal:
        _refused(request, refusal)
        raise
    return key_id


def refusal_response(refusal: SignatureRefused) -> JsonResponse:
    response = JsonResponse(refusal.as_dict(), status=401)
    response["WWW-Authenticate"] = f'Signature error="{refusal.code}"'
    return response


def signed_endpoint(view=None, *, statuses: tuple[str, ...] = ("approved",)):
    """View decorator: verify the signature, set ``request.federation_node``, or answer 401."""

    def wrap(func):
        @csrf_exempt
        @functools.wraps(func)
        def wrapped(request, *args, **kwargs):
            try:
                request.federation_node = verify_request(request, statuses=statuses)
            except SignatureRefused as refusal:
                return refusal_response(refusal)
            return func(request, *args, **kwargs)

        return wrapped

    return wrap(view) if view is not None else wrap
