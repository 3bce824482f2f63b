"""The demo network: the national library, every province-level library, and the city and
county libraries of Zhejiang (with Shaoxing's VPN IP plan from seed 004) and Gansu.

Idempotent: libraries that exist are left exactly as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from tqdm import tqdm

from shuxiang.core.actors import SYSTEM
from shuxiang.network import services
from shuxiang.network.models import Division, Library
from shuxiang.network.naming import library_name, library_name_en

NATIONAL = {
    "code": "NLC",
    "name": "国家图书馆",
    "name_en": "National Library of China",
    "level": Library.Level.NATIONAL,
    "site_path": "nlc",
    "branding": {"primary_color": "#8b1a1a", "slogan": "国家数字图书馆"},
}
FULL_PROVINCES = ("33", "62")  # Zhejiang, and Gansu in the west
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Seed 004: 浙江省各级公共图书馆 IP 地址规划 (绍兴). 绍兴县 is now 柯桥区 (330603) and
# 上虞市 is now 上虞区 (330604); 镜湖区 is a development zone without a GB/T 2260 code.
SHAOXING_IP_PLAN = {
    "330600": ["10.30.0.0/15"],
    "330681": ["10.30.48.0/20"],
    "330604": ["10.30.64.0/20"],
    "330683": ["10.30.80.0/20"],
    "330603": ["10.30.96.0/20"],
    "330624": ["10.30.112.0/20"],
    "330602": ["10.30.128.0/20"],
}
DOMAINS = {"330000": ["zjlib.demo.shuxiang.local"], "330600": ["sx.demo.shuxiang.local"]}


@dataclass
class DemoReport:
    created: int = 0
    existing: int = 0


def _planned() -> list[dict]:
    divisions = Division.objects.filter(is_current=True).exclude(name__in=PLACEHOLDERS)
    provinces = [
        d
        for d in divisions
        if d.level == Division.Level.PROVINCE and d.code[:2] not in {"71", "81", "82"}
    ]
    codes = {d.code for d in divisions}
    plan = [NATIONAL]
    for province in provinces:
        plan.append(_entry(province, Library.Level.PROVINCIAL, "NLC"))
    for division in divisions:
        if division.code[:2] not in FULL_PROVINCES or division.level == Division.Level.PROVINCE:
            continue
        if division.level == Division.Level.PREFECTURE:
            plan.append(_entry(division, Library.Level.CITY, division.province_code))
        else:
            parent = division.code[:4] + "00"
            if parent not in codes:
                parent = division.province_code
            plan.append(_entry(division, Library.Level.COUNTY, parent))
    return plan


def _entry(division: Division, level: str, parent: str) -> dict:
    return {
        "code": division.code,
        "name": library_name(division.name),
        "name_en": library_name_en(division.name),
        "level": level,
        "parent": parent,
        "division": division.code,
        "site_path": division.code,
        "ip_ranges": SHAOXING_IP_PLAN.get(division.code, []),
        "domains": DOMAINS.get(division.code, []),
    }


@transaction.atomic
def load_demo_network(*, progress: bool = True) -> DemoReport:
    """Create every planned library that does not exist yet (parents before children)."""
    report = DemoReport()
    existing = set(Library.objects.values_list("code", flat=True))
    for entry in tqdm(_planned(), desc="libraries", unit="lib", disable=not progress):
        if entry["code"] in existing:
            report.existing += 1
            continue
        services.create_library(entry, by=SYSTEM)
        existing.add(entry["code"])
        report.created += 1
    return report
