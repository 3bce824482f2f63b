"""``shuxiang proxy``: the proxy gateway alone, as its own async process (server mode)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from shuxiang.core import options
from shuxiang.proxy import ports

APP = "shuxiang.proxy.gateway:standalone"


class Command(BaseCommand):
    help = (
        "Run the proxy gateway as its own process: hosts under SHUXIANG_PROXY_DOMAIN, or "
        "(SHUXIANG_PROXY_MODE=port) the ports of SHUXIANG_PROXY_PORTS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001, help="By hostname: the port.")
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host, port, workers, **_):
        import uvicorn

        from shuxiang.core.server import serve_on_ports

        try:
            by_port = ports.by_port()
            listen = ports.listen_ports()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        if by_port:
            self.stdout.write(f"Proxy gateway by port on {host}:{listen[0]}-{listen[-1]}")
            return serve_on_ports(APP, host, listen, workers, factory=True)
        if not options.value("PROXY_DOMAIN"):
            raise CommandError("SHUXIANG_PROXY_DOMAIN: set the gateway's wildcard domain first.")
        self.stdout.write(f"Proxy gateway for *.{options.value('PROXY_DOMAIN')} on {host}:{port}")
        uvicorn.run(
            APP, host=host, port=port, workers=workers, log_level="warning",
            access_log=False, lifespan="off", proxy_headers=False, factory=True,
        )  # fmt: skip
