"""Coordination readiness: home."""
