"""App configuration for resource packages (资源推送): BagIt packages, deltas, import."""

from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "shuxiang.distribution"
    label = "distribution"
    verbose_name = "Resource packages"

    def ready(self) -> None:
        from shuxiang.core import jobs
        from shuxiang.distribution import importer

        jobs.register(importer.RETRACT, "shuxiang.distribution.importer.retract_job")
        jobs.register("distribution.pull", "shuxiang.distribution.receiving.pull_job")
        jobs.register("distribution.relay_up", "shuxiang.distribution.relay.up_job")
