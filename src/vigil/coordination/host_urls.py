"""Pages of coordination: host."""

urlpatterns: list[object] = []
