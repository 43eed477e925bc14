"""Coordination smt: admin."""
