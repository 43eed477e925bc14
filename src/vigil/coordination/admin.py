"""The admin site's pages of coordination: each area registers its own."""

from vigil.coordination import accountability_admin, host_admin, readiness_admin, smt_admin

__all__ = ["accountability_admin", "host_admin", "readiness_admin", "smt_admin"]
