"""The configuration check: wildcard DNS and a wildcard certificate, against a real TLS server.

The TLS server (a thread on loopback) presents certificates made here by a test CA. Names
under the test domain are mapped to loopback by the check's resolver, as the browser test maps
them with Chromium's host-resolver rules; the failing DNS case uses the system resolver.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command

from shuxiang.proxy.check import check


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _certificate(subject, issuer, key, signer, names=(), ca=False):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ca")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("Test CA", "Test CA", key, key, ca=True)
    (folder / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return folder, key


def _server(authority, names) -> int:
    """A TLS server on loopback presenting a certificate for ``names``; its port."""
    folder, ca_key = authority
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(names[0], "Test CA", key, ca_key, names=names)
    pem = folder / f"{names[0].replace('*', 'star')}.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            conn, _ = listener.accept()
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def loopback(name: str) -> list[str]:
    if name.endswith(".proxy.test"):
        return ["127.0.0.1"]
    raise OSError("Name or service not known")


def _run(domain, port, authority, **kwargs):
    cafile = str(authority[0] / "ca.pem")
    return check(domain, port=port, cafile=cafile, resolver=loopback, **kwargs)


def test_a_wildcard_name_and_certificate_pass(authority):
    port = _server(authority, ["*.proxy.test", "proxy.test"])
    findings = _run("proxy.test", port, authority)
    assert [(f.what, f.ok) for f in findings] == [("dns", True), ("certificate", True)]
    assert "covers *.proxy.test until" in findings[1].message


def test_a_certificate_for_one_host_does_not_cover_the_wildcard(authority):
    port = _server(authority, ["www.proxy.test"])
    finding = _run("proxy.test", port, authority)[-1]
    assert not finding.ok and "does not cover *.proxy.test" in finding.message
    assert "www.proxy.test" in finding.message


def test_an_untrusted_certificate_is_named_as_such(authority):
    port = _server(authority, ["*.proxy.test"])
    finding = check("proxy.test", port=port, resolver=loopback)[-1]  # the test CA not given
    assert not finding.ok and "not trusted" in finding.message


def test_a_domain_without_wildcard_dns_is_explained():
    [finding] = check("proxy.invalid")  # the system resolver: .invalid never resolves
    assert not finding.ok and "wildcard DNS record *.proxy.invalid" in finding.message


def test_bad_domains_and_plain_http_are_reported():
    assert "not a host name" in check("bad domain!")[0].message
    findings = check("proxy.test", scheme="http", resolver=loopback)
    assert findings[0].ok and not findings[1].ok and "plain http" in findings[1].message


def test_the_command_fails_with_the_reason(monkeypatch, capsys):
    monkeypatch.setenv("SHUXIANG_PROXY_DOMAIN", "proxy.invalid")
    with pytest.raises(CommandError):
        call_command("proxy_check")
    assert "FAIL dns: sxcheck-" in capsys.readouterr().out
