"""The Shaoxing portal's "公开课" column: its branch course site and the courses it shows."""

from __future__ import annotations

from shuxiang.courses import queries
from shuxiang.demo.columns import _column
from shuxiang.network.models import Library


def load_demo_course_column() -> bool:
    shaoxing = Library.objects.filter(code="330600").first()
    if shaoxing is None:
        return False
    courses = queries.branch_site(shaoxing)[:4]
    entries = [{"title": c.title, "url": c.get_absolute_url(), "note": c.library.name}
               for c in courses]  # fmt: skip
    entries.append({"title": f"{shaoxing.name}公开课分站", "url": "/courses/site/330600/",
                    "note": "页面接口 /courses/embed/330600/"})  # fmt: skip
    return _column(
        shaoxing, "公开课", "国家图书馆公开课与本馆讲座。", entries, embed="/courses/embed/330600/"
    )
