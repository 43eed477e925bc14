"""Menu entries and home panels of headquarters security: each area registers its own."""

from vigil.hq import access_home, gate_home, plans_home, protection_home, safety_home

__all__ = ["access_home", "gate_home", "plans_home", "protection_home", "safety_home"]
