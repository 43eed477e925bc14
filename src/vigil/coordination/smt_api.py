"""API of coordination: smt."""

ROUTES: list[tuple[str, type, str]] = []
