"""Pages of coordination: accountability."""

urlpatterns: list[object] = []
