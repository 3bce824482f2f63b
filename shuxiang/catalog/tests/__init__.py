"""Tests of the catalog: warehouse, search conformance, relevance, OAI-PMH, MARC, fronts."""
