"""Coordination host: home."""
