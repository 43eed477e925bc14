"""Pages of coordination: smt."""

urlpatterns: list[object] = []
