"""Identifiers: persistent identifiers for digital resources (唯一标识符系统, SPEC §4)."""
