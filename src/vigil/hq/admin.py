"""The admin site's pages of headquarters security: each area registers its own."""

from vigil.hq import access_admin, gate_admin, plans_admin, protection_admin, safety_admin

__all__ = ["access_admin", "gate_admin", "plans_admin", "protection_admin", "safety_admin"]
