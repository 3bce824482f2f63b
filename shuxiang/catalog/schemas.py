"""API shapes of the catalog: search results, records, sources, harvest reports."""

from __future__ import annotations

from ninja import Field, Schema


class RecordOut(Schema):
    id: int
    title: str
    creators: list[str]
    subjects: list[str]
    description: str
    publisher: str
    date: str
    year: int | None
    language: str
    type: str
    collection: str
    isbn: str
    library: str | None
    source: str
    access_policy: str
    work: int | None
    oai_identifier: str
    holding_node: str = ""
    holding_url: str = ""


class HitOut(Schema):
    record: RecordOut
    title_html: str
    snippet_html: str
    creators_html: str = ""  # creators joined by 、, query terms and pinyin hits marked
    holdings: list[RecordOut]
    looser: bool = False  # found by the looser tier: not every query word matches


class FacetValue(Schema):
    value: str
    count: int


class SearchOut(Schema):
    q: str
    total: int = Field(description="Works found (records of one work are one hit).")
    total_exact: bool = Field(description="Whether total is the exact number of works.")
    total_relation: str = Field(
        description="eq: total is exact; gte: more than total records matched (counting "
        "stops at 10,000, shown as 10,000+); lte: more records matched than were grouped "
        "into works, so total is an upper bound."
    )
    facets_exact: bool = Field(
        True, description="False when facet counts come from the first 10,000 matches only."
    )
    strict_total: int | None = Field(
        None,
        description="Set when the strict query (every word) found little: the first "
        "strict_total works match every word, later ones (looser: true) only some.",
    )
    page: int
    page_size: int
    pages: int
    hits: list[HitOut]
    facets: dict[str, list[FacetValue]]


class SourceIn(Schema):
    key: str
    name: str = ""
    kind: str = "oai"
    base_url: str = ""
    metadata_prefix: str = "oai_dc"
    set_spec: str = ""
    library: str | None = None
    harvest_every_hours: int = 24


class SourceOut(Schema):
    key: str
    name: str
    kind: str
    base_url: str
    metadata_prefix: str
    set_spec: str
    library: str | None
    last_datestamp: str
    last_harvest_at: str | None
    last_error: str
    resuming: bool


class HarvestOut(Schema):
    queued: bool
    source: str
