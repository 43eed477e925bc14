"""(filled by the area)."""
