"""Coordination host: demo."""
