"""API of this area (filled by the area)."""

from typing import Any

ROUTES: list[tuple[str, Any, str]] = []
