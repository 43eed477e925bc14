"""API of coordination: accountability."""

ROUTES: list[tuple[str, type, str]] = []
