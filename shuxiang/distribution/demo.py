"""Demo: the national centre's package of the demo classics and media (基层图书馆数字资源提升
包), built, exported to a folder standing for the hard disk (硬盘推送), and imported into the
Zhuji county library (idempotent: a second run changes nothing)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from shuxiang.core.actors import SYSTEM
from shuxiang.distribution import bagcheck, bags, services
from shuxiang.distribution.models import ImportedPackage, Package, PackageVersion
from shuxiang.network.models import Library
from shuxiang.resources.models import Collection

CODE = "county-2026"
COUNTY = "330681"  # 诸暨市图书馆
# the configuration table's descriptions, after seed 002's 资源配置表
NOTES = {
    "ebook": "名家经典、传统文化、文学、哲学、生产技术、医疗卫生等电子图书。",
    "classic": "历史、群经、诸子、文学四大类传统文化经典著作。",
    "journal_issue": "精品期刊，JPG/PDF 原文原貌。",
    "video/lecture": "国图公开课：专题课程、典籍鉴赏、名著品读。",
    "video/local_opera": "黄梅戏、越剧等地方戏专题视频。",
    "video/documentary": "历史、文化、人物传记、种养殖技术等纪录片。",
    "video/intangible_heritage": "口头传统、传统表演艺术、传统手工艺技能等非遗视频。",
    "video/children": "以动漫等方式寓教于乐的少儿视频。",
    "video/ethnic_minority": "各民族历史、生活与民族戏曲视频。",
    "audio": "文津经典诵读：古代诗词配朗诵。",
    "image/new_year_painting": "各地征集的年画资源。",
    "image/old_photograph": "记录社会变迁、城市风貌的老照片。",
    "web_record": "政府信息公开整合成果。",
}


def load_demo_packages(say: Callable[[str], None] = print) -> None:
    national = Library.objects.filter(code="NLC").first()
    county = Library.objects.filter(code=COUNTY).first()
    if national is None or county is None:
        return
    package = Package.objects.filter(library=national, code=CODE).first()
    if package is None:
        central = Collection.objects.filter(library=national).values_list("pk", flat=True)
        package = services.create_package(national, {
            "code": CODE, "title": "基层图书馆数字资源提升包（演示）",
            "description": "国家数字图书馆中心资源库的经典与音视频，推送到县级图书馆。",
            "rule": {"collections": list(central)}, "notes": NOTES,
        }, by=SYSTEM)  # fmt: skip
    version = package.versions.filter(state=PackageVersion.State.BUILT).first()
    if version is None:
        version = services.build_version(package, by=SYSTEM)
    drive = settings.DATA_DIR / "packages" / "drive"
    bag = drive / services.bag_name(version)
    if not bag.exists():
        drive.mkdir(parents=True, exist_ok=True)
        services.export_version(version, drive, by=SYSTEM)
    held = ImportedPackage.objects.filter(library=county, external_id=bags.external_id(package))
    if not held.filter(version__gte=version.number).exists():
        result = bagcheck.import_bag(bag, county, by=SYSTEM)
        say(f"Demo package: {version} ({version.payload_bytes} bytes) exported to {bag} and "
            f"imported into {county.name}: {result.created} resources")  # fmt: skip
    else:
        say(f"Demo package: {county.name} already holds {version}")
