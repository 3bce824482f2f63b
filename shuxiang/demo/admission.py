"""A pending admission in the demo, so the review workflow has something to show."""

from __future__ import annotations

from shuxiang.accounts.models import User
from shuxiang.network import services
from shuxiang.network.models import Library

APPLICANT = {
    "code": "330681-FQ",
    "name": "诸暨市枫桥镇图书馆",
    "name_en": "Fengqiao Township Library",
    "level": Library.Level.TOWNSHIP,
    "parent": "330681",
    "division": "330681",
}


def load_demo_admission() -> None:
    """Create the demo township application once."""
    if Library.objects.filter(code=APPLICANT["code"]).exists():
        return
    applicant = User.objects.get(username="zhuji_admin")
    services.apply_for_admission(APPLICANT, by=applicant)
