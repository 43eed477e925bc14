"""The evidence API: routes are added by the evidence helper."""

ROUTES: list = []
