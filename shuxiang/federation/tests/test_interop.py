"""Our signatures checked by a second, hand-written RFC 9421 implementation, and the library
checked against the RFC's own Ed25519 example (RFC 9421 appendix B.2.6)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)

from shuxiang.federation import keys
from shuxiang.federation.signing import sign_prepared

# RFC 9421 appendix B.1.4 (test-key-ed25519) and B.2.6.
RFC_SEED = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
RFC_PUBLIC = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
RFC_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
RFC_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPp"
    "BKRCw==:"
)


def _parse_input(value: str) -> tuple[str, list[str], str]:
    """label, covered component names, and the raw inner list (a small hand parser)."""
    label, inner = value.split("=", 1)
    components = inner[1 : inner.index(")")].split(" ")
    return label, [c.strip('"') for c in components], inner


def _hand_base(method: str, url: str, headers: dict[str, str], input_value: str) -> bytes:
    """The signature base of RFC 9421 section 2.5, written from the RFC text alone."""
    _label, components, inner = _parse_input(input_value)
    lines = []
    for name in components:
        if name == "@method":
            value = method
        elif name == "@target-uri":
            value = url
        else:
            value = {k.lower(): v for k, v in headers.items()}[name].strip()
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {inner}')
    return "\n".join(lines).encode("ascii")


def test_our_signature_verifies_with_a_hand_built_signature_base(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    body = b'{"hello": "world"}'
    prepared = requests.Request(
        "POST", "http://127.0.0.1:8000/federation/peer/keys?x=1", data=body
    ).prepare()
    sign_prepared(prepared)

    # RFC 9530: sha-256 of the body as a structured-field byte sequence
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert prepared.headers["Content-Digest"] == f"sha-256=:{digest}:"

    input_value = prepared.headers["Signature-Input"]
    label, components, inner = _parse_input(input_value)
    assert label == "fed"
    assert components == ["@method", "@target-uri", "content-digest"]
    for param in ("created=", "expires=", "nonce=", "keyid=", 'alg="ed25519"'):
        assert param in inner
    base = _hand_base(prepared.method, prepared.url, dict(prepared.headers), input_value)
    sig_label, sig_value = prepared.headers["Signature"].split("=", 1)
    assert sig_label == "fed" and sig_value.startswith(":") and sig_value.endswith(":")
    signature = base64.b64decode(sig_value[1:-1])
    public = keys.own_key().private_key.public_key()
    public.verify(signature, base)  # raises InvalidSignature if our base differs from the RFC's
    with pytest.raises(Exception):  # noqa: B017 - any cryptography failure
        public.verify(signature, base.replace(b"x=1", b"x=2"))


@dataclass
class _Message:
    method: str
    url: str
    headers: dict


def _rfc_request() -> _Message:
    return _Message(
        "POST",
        "https://example.com/foo?param=Value&Pet=dog",
        {
            "Host": "example.com",
            "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
            "Content-Type": "application/json",
            "Content-Length": "18",
        },
    )


def test_the_library_verifies_the_rfc_9421_ed25519_example():
    public = Ed25519PublicKey.from_public_bytes(keys.b64url_decode(RFC_PUBLIC))
    message = _rfc_request()
    message.headers.update({"Signature-Input": RFC_INPUT, "Signature": RFC_SIGNATURE})
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={"test-key-ed25519": public}, private_keys={}),
    )
    [result] = verifier.verify(message, max_age=None)
    assert result.label == "sig-b26"
    message.headers["Content-Length"] = "19"
    with pytest.raises(Exception):  # noqa: B017
        verifier.verify(message, max_age=None)


def test_the_library_reproduces_the_rfc_9421_ed25519_signature():
    """Ed25519 is deterministic: the same key and base give the RFC's very bytes."""
    import datetime

    private = Ed25519PrivateKey.from_private_bytes(keys.b64url_decode(RFC_SEED))
    assert keys.b64url(keys.raw_public(private)) == RFC_PUBLIC
    message = _rfc_request()
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={"test-key-ed25519": private}),
    )
    signer.sign(
        message,
        key_id="test-key-ed25519",
        created=datetime.datetime.fromtimestamp(1618884473, tz=datetime.UTC),
        label="sig-b26",
        include_alg=False,
        covered_component_ids=(
            "date", "@method", "@path", "@authority", "content-type", "content-length"
        ),
    )  # fmt: skip
    assert message.headers["Signature-Input"] == RFC_INPUT
    assert message.headers["Signature"] == RFC_SIGNATURE
