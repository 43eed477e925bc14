"""Coordination readiness: admin."""
