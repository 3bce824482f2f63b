"""``shuxiang proxy``: the proxy gateway alone, as its own async process (server mode)."""

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core import options


class Command(BaseCommand):
    help = "Run the proxy gateway (hosts under SHUXIANG_PROXY_DOMAIN) as its own process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host, port, workers, **_):
        import uvicorn

        if not options.value("PROXY_DOMAIN"):
            raise CommandError("SHUXIANG_PROXY_DOMAIN: set the gateway's wildcard domain first.")
        self.stdout.write(f"Proxy gateway for *.{options.value('PROXY_DOMAIN')} on {host}:{port}")
        uvicorn.run(
            "shuxiang.proxy.gateway:standalone",
            host=host, port=port, workers=workers, log_level="warning",
            access_log=False, lifespan="off", proxy_headers=False, factory=True,
        )  # fmt: skip
