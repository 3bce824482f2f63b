"""``shuxiang proxy_check``: does the wildcard DNS name resolve, does the certificate cover it."""

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core import options
from shuxiang.proxy.check import check


class Command(BaseCommand):
    help = "Check the gateway's wildcard DNS record and wildcard certificate."

    def add_arguments(self, parser):
        parser.add_argument("--domain", help="Default: SHUXIANG_PROXY_DOMAIN.")
        parser.add_argument("--port", type=int, default=0, help="TLS port (default 443).")
        parser.add_argument("--cafile", help="Trust this CA file too (a private CA).")

    def handle(self, *args, domain, port, cafile, **_):
        domain = domain or options.value("PROXY_DOMAIN")
        if not domain:
            raise CommandError("SHUXIANG_PROXY_DOMAIN: set the gateway's wildcard domain first.")
        scheme = options.value("PROXY_GATEWAY_SCHEME")
        port = port or (options.value("PROXY_GATEWAY_PORT") if scheme == "https" else 0)
        findings = check(domain, scheme=scheme, port=port, cafile=cafile)
        for finding in findings:
            mark = "OK  " if finding.ok else "FAIL"
            self.stdout.write(f"{mark} {finding.what}: {finding.message}")
        if not all(f.ok for f in findings):
            raise CommandError("The gateway is not ready: see FAIL above.")
