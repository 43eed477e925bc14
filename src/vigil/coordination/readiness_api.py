"""API of coordination: readiness."""

ROUTES: list[tuple[str, type, str]] = []
