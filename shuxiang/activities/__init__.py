"""Reading-promotion campaigns (推广活动)."""
