app_name = "second_factor"
urlpatterns: list[object] = []
