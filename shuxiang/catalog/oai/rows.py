"""The columns an OAI-PMH list page loads for each record, by verb and metadata format: plain
rows, much lighter than model instances, for the formats rendered from columns."""

from __future__ import annotations

from types import SimpleNamespace

HEADER_COLUMNS = ("id", "datestamp", "deleted", "set_specs")
DC_COLUMNS = (*HEADER_COLUMNS, "title", "creators", "subjects", "description", "publisher",
              "date", "type", "language", "identifiers", "isbn")  # fmt: skip
NATIVE_COLUMNS = (*DC_COLUMNS, "year", "collection", "local_id", "access_policy", "work_id",
                  "holding_node", "holding_url", "library__code", "source__key",
                  "source__kind")  # fmt: skip


class Row(SimpleNamespace):
    """The columns of one record a list page shows (much lighter than a model instance)."""

    @property
    def pk(self) -> int:
        return self.id

    @property
    def sets(self) -> list[str]:
        return [spec for spec in self.set_specs.split("|") if spec]


def list_rows(records, verb: str, prefix: str, size: int) -> list:
    """One page (+1 to see whether more follow), loading only what the answer shows."""
    records = records[: size + 1]
    if verb == "ListIdentifiers" or prefix in ("oai_dc", "shuxiang"):
        columns = {"oai_dc": DC_COLUMNS, "shuxiang": NATIVE_COLUMNS}[prefix]
        columns = HEADER_COLUMNS if verb == "ListIdentifiers" else columns
        return [Row(**values) for values in records.values(*columns)]
    return list(records.select_related("source", "library").defer("search_text"))
