"""Coordination readiness: demo."""
