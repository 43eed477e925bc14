"""The API of security management coordination: each area's routes, registered under
/api/v1/coordination/."""

from vigil.coordination import accountability_api, host_api, readiness_api, smt_api

ROUTES = [*accountability_api.ROUTES, *smt_api.ROUTES, *host_api.ROUTES,
          *readiness_api.ROUTES]
