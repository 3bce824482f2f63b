"""Shuxiang (书香): the software of a national network of public digital libraries."""

__version__ = "0.1.0"
