"""Search: one interface (``base.SearchBackend``), two engines (tantivy, PostgreSQL)."""
