"""COUNTER Release 5.1 reports built from usage events, and the SUSHI API serving them."""
