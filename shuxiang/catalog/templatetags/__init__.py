"""Template tags of the catalog pages."""
