"""Coordination smt: home."""
