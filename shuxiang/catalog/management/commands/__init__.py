"""CLI: harvest, marc-import, reindex, search."""
