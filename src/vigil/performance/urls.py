"""Pages of programme performance."""


app_name = "performance"

urlpatterns: list[object] = []
