"""Models of this app (filled by the app)."""
