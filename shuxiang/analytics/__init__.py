"""Analytics and recommendation (大数据分析)."""
