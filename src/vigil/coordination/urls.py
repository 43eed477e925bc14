"""The pages of security management coordination, one module per area."""

from vigil.coordination import accountability_urls, host_urls, readiness_urls, smt_urls

app_name = "coordination"

urlpatterns = [
    *accountability_urls.urlpatterns,
    *smt_urls.urlpatterns,
    *host_urls.urlpatterns,
    *readiness_urls.urlpatterns,
]
