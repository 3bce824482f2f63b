"""App configuration for the proxy-authentication gateway (代理认证)."""

from django.apps import AppConfig


class ProxyConfig(AppConfig):
    name = "shuxiang.proxy"
    label = "proxy"
    verbose_name = "Shuxiang proxy authentication"
