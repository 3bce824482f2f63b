"""Test data for the library network, built through the real services."""

from __future__ import annotations

from shuxiang.core.actors import SYSTEM
from shuxiang.network import services
from shuxiang.network.models import Library


def library(code: str, parent: str | None, level: str, **fields) -> Library:
    """Create (through the service, as the system) a library below ``parent``."""
    data = {
        "code": code,
        "name": fields.pop("name", f"{code}图书馆"),
        "level": level,
        "parent": parent,
        **fields,
    }
    return services.create_library(data, by=SYSTEM)


def small_network() -> dict[str, Library]:
    """NLC → Zhejiang → Shaoxing → Zhuji, and NLC → Gansu → Lanzhou → Yuzhong."""
    nlc = library("NLC", None, Library.Level.NATIONAL, name="国家图书馆")
    return {
        "nlc": nlc,
        "zj": library("330000", "NLC", Library.Level.PROVINCIAL, division="330000"),
        "sx": library(
            "330600", "330000", Library.Level.CITY, division="330600", ip_ranges=["10.30.0.0/15"]
        ),
        "zhuji": library(
            "330681", "330600", Library.Level.COUNTY, division="330681", ip_ranges=["10.30.48.0/20"]
        ),
        "hz": library("330100", "330000", Library.Level.CITY, division="330100"),
        "gs": library("620000", "NLC", Library.Level.PROVINCIAL, division="620000"),
        "lz": library("620100", "620000", Library.Level.CITY, division="620100"),
        "yuzhong": library("620123", "620100", Library.Level.COUNTY, division="620123"),
    }
