"""Demo records of security management coordination, centred on Kenya (whose chief security
adviser is the demo's security officer): each area registers its own step."""

from vigil.coordination import accountability_demo, host_demo, readiness_demo, smt_demo

__all__ = ["accountability_demo", "host_demo", "readiness_demo", "smt_demo"]
