"""Coordination accountability: home."""
