"""The demo loader: idempotent, and the network it builds is the one the docs promise."""

from __future__ import annotations

from shuxiang.demo.load import load_demo
from shuxiang.network.models import Library
from shuxiang.network.queries import subtree


def test_demo_loader_is_idempotent(db):
    load_demo(progress=False, say=lambda _: None)
    snapshot = sorted(Library.objects.values_list("code", "path", "status", "updated_at"))
    load_demo(progress=False, say=lambda _: None)
    assert sorted(Library.objects.values_list("code", "path", "status", "updated_at")) == snapshot


def test_demo_network_covers_every_province_and_two_full_provinces(db):
    load_demo(progress=False, say=lambda _: None)
    assert Library.objects.filter(level="provincial").count() == 31
    zhejiang = Library.objects.get(code="330000")
    assert subtree(zhejiang).filter(level="city").count() == 11
    gansu = Library.objects.get(code="620000")
    assert subtree(gansu).filter(level="county").count() >= 80
    zhuji = Library.objects.get(code="330681")
    assert list(zhuji.ip_ranges.values_list("cidr", flat=True)) == ["10.30.48.0/20"]
