"""Linked data (关联数据)."""
