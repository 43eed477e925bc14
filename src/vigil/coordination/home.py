"""Menu entries and home panels of coordination: each area registers its own."""

from vigil.coordination import accountability_home, host_home, readiness_home, smt_home

__all__ = ["accountability_home", "host_home", "readiness_home", "smt_home"]
