"""Demo records of headquarters security, for two headquarters (New York, Geneva) and two
regional commissions (Addis Ababa, Bangkok): each area registers its own step."""

from vigil.hq import access_demo, gate_demo, plans_demo, protection_demo, safety_demo

__all__ = ["access_demo", "gate_demo", "plans_demo", "protection_demo", "safety_demo"]
