"""Coordination smt: demo."""
