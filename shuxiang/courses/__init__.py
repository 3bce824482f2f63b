"""Open courses (国图公开课)."""
