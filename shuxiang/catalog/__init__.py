"""Metadata warehouse and unified search (元数据仓储 · 文津搜索): records, OAI-PMH, MARC, search."""
