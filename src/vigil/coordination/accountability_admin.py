"""Coordination accountability: admin."""
