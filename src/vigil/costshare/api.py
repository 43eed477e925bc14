"""API of this app (filled by the app): (url prefix, viewset, basename) routes."""

from typing import Any

ROUTES: list[tuple[str, Any, str]] = []
