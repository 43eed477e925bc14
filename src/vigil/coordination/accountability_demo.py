"""Coordination accountability: demo."""
