"""``shuxiang proxy_check``: does the wildcard DNS name resolve, does the certificate cover it."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from shuxiang.core import options
from shuxiang.proxy import ports
from shuxiang.proxy.check import check, check_ports


class Command(BaseCommand):
    help = "Check the gateway: wildcard DNS and certificate (by hostname), or its ports."

    def add_arguments(self, parser):
        parser.add_argument("--domain", help="Default: SHUXIANG_PROXY_DOMAIN.")
        parser.add_argument("--port", type=int, default=0, help="TLS port (default 443).")
        parser.add_argument("--cafile", help="Trust this CA file too (a private CA).")

    def handle(self, *args, domain, port, cafile, **_):
        try:
            by_port = ports.by_port()
            listen = ports.port_range()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        scheme = options.value("PROXY_GATEWAY_SCHEME")
        if by_port:
            return self.report(check_ports(ports.node_host(), listen, scheme=scheme, cafile=cafile))
        domain = domain or options.value("PROXY_DOMAIN")
        if not domain:
            raise CommandError("SHUXIANG_PROXY_DOMAIN: set the gateway's wildcard domain first.")
        port = port or (options.value("PROXY_GATEWAY_PORT") if scheme == "https" else 0)
        self.report(check(domain, scheme=scheme, port=port, cafile=cafile))

    def report(self, findings) -> None:
        for finding in findings:
            mark = "OK  " if finding.ok else "FAIL"
            self.stdout.write(f"{mark} {finding.what}: {finding.message}")
        if not all(f.ok for f in findings):
            raise CommandError("The gateway is not ready: see FAIL above.")
