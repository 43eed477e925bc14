"""Coordination host: admin."""
