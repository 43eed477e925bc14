"""The API of programme performance: /api/v1/indicators/ and each indicator's detail."""

ROUTES: list[tuple[str, type, str]] = []
