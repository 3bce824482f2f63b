"""Core: what every Shuxiang app shares (options, errors, actors, audit, health)."""
