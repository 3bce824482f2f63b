"""API shapes of the campaigns (names unique across apps: the OpenAPI document keys them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

MAX_ID = 2**53  # ids from clients stay within what every database and JSON number holds


class CampaignOut(Schema):
    slug: str
    title: str
    library: str = Field(..., description="Code of the hosting library.")
    rules: str
    age_groups: list[dict]
    registration_start: dt.date
    registration_end: dt.date
    submission_start: dt.date
    submission_end: dt.date
    like_start: dt.date
    like_end: dt.date
    judging_end: dt.date
    results_on: dt.date
    results_published: bool = Field(..., description="Results public at …/results.")


class RankingRowOut(Schema):
    place: int
    work: str = Field(..., description="The work's share token.")
    name: str = Field(..., description="The child's masked name (王*萌).")
    poem: str
    library: str
    likes: int


class ResultRowOut(Schema):
    place: int
    prize: str = Field(..., description="The prize (奖项), empty when none.")
    work: str = Field(..., description="The work's share token.")
    name: str = Field(..., description="The child's masked name (王*萌).")
    poem: str
    library: str = Field(..., description="Code of the entrant's library.")


class ResultsOut(Schema):
    published: bool = Field(..., description="False (and no rows) until staff publish them.")
    results_on: dt.date
    works: list[ResultRowOut]


class LikeOut(Schema):
    counted: bool = Field(..., description="False when the reader already liked it today.")
    likes: int


class FindingOut(Schema):
    kind: str
    detail: str
    accounts: list[int]
    works: list[int]
    windows: list[list[dt.datetime]]


AccountId = Annotated[int, Field(ge=1, le=MAX_ID)]


class VoidIn(Schema):
    accounts: list[AccountId] = Field(..., min_length=1, max_length=10_000)
    reason: str = Field(..., min_length=1, max_length=300)
    undo: bool = False


class VoidOut(Schema):
    likes: int


class JudgeIn(Schema):
    account: str = Field(
        ..., min_length=1, max_length=150, description="User name or account number."
    )


class JudgeOut(Schema):
    account: int
    name: str


MarkValue = str | int | float | None  # the service checks each mark and names its field


class ScoreIn(Schema):
    marks: dict[Annotated[str, Field(max_length=60)], MarkValue] = Field(
        ..., description="A whole number from 0 to 100 per criterion name."
    )


class BlindWorkOut(Schema):
    code: str = Field(..., description="The blind code: the work's only name for judges.")
    poem: str
    audio: str
    marks: dict[str, int]
    total: float | None


class JudgeSheetOut(Schema):
    criteria: list[dict]
    scored: int
    total: int
    works: list[BlindWorkOut]


class ScoreOut(Schema):
    code: str
    total: float


class DatesIn(Schema):
    """Phase dates to change (YYYY-MM-DD); the ones left out keep their value."""

    registration_start: dt.date | None = None
    registration_end: dt.date | None = None
    submission_start: dt.date | None = None
    submission_end: dt.date | None = None
    like_start: dt.date | None = None
    like_end: dt.date | None = None
    judging_end: dt.date | None = None
    results_on: dt.date | None = None


class DatesOut(Schema):
    changed: list[str] = Field(..., description="Fields that changed; guardians were told.")
