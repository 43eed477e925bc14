"""The pages of headquarters security, one module per area."""

from vigil.hq import access_urls, gate_urls, plans_urls, protection_urls, safety_urls

app_name = "hq"

urlpatterns = [
    *access_urls.urlpatterns,
    *gate_urls.urlpatterns,
    *protection_urls.urlpatterns,
    *safety_urls.urlpatterns,
    *plans_urls.urlpatterns,
]
