"""Pages of coordination: readiness."""

urlpatterns: list[object] = []
