"""API of coordination: host."""

ROUTES: list[tuple[str, type, str]] = []
