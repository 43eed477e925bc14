"""The API of headquarters security: each area's routes, registered under /api/v1/."""

from vigil.hq import access_api, gate_api, plans_api, protection_api, safety_api

ROUTES = [*access_api.ROUTES, *gate_api.ROUTES, *protection_api.ROUTES, *safety_api.ROUTES,
          *plans_api.ROUTES]
