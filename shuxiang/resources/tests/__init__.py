"""Tests of digital resources and cloud publishing."""
