"""Aviation tests reuse travel's itinerary fixtures: clearance is where suitability counts."""

from vigil.travel.tests.conftest import airline, areas, levels, traveller, trip

__all__ = ["airline", "areas", "levels", "traveller", "trip"]
