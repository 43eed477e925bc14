"""A Kenyan incident with two staff members and a child affected; a counsellor on the roster
covering Nairobi and Mombasa, and the users around a case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.incidents.models import AffectedPerson, Incident, IncidentCategory
from vigil.wellbeing import services
from vigil.wellbeing.models import Counsellor


class World:
    def __init__(self, cast: Any, user_with: Any) -> None:
        self.cast = cast
        self.incident = Incident.objects.create(
            category=IncidentCategory.objects.filter(parent__isnull=True).first(),
            title="Armed robbery at a residence", country=cast.kenya,
            duty_station=cast.nairobi, occurred_at=timezone.now() - dt.timedelta(hours=20))
        self.amina_hit = AffectedPerson.objects.create(incident=self.incident, person=cast.amina,
                                                       impact="injured")
        self.omar_hit = AffectedPerson.objects.create(incident=self.incident, person=cast.omar,
                                                      impact="affected")
        self.child_hit = AffectedPerson.objects.create(incident=self.incident, person=cast.amina,
                                                       dependant=cast.amina_child,
                                                       impact="affected")
        self.amina_user = user_with(Role.TRAVELLER, person=cast.amina, username="amina")
        self.omar_user = user_with(Role.TRAVELLER, person=cast.omar, username="omar")
        self.counsellor_user = user_with(Role.COUNSELLOR, ScopeKind.COUNTRY, cast.kenya,
                                         username="nadia")
        self.other_counsellor_user = user_with(Role.COUNSELLOR, ScopeKind.COUNTRY, cast.kenya,
                                               username="peter")
        self.somali_counsellor_user = user_with(Role.COUNSELLOR, ScopeKind.COUNTRY,
                                                cast.somalia, username="hodan")
        self.admin = user_with(Role.ADMINISTRATOR, username="root")
        self.counsellor = self.roster(self.counsellor_user, "Nadia Rahman",
                                      [cast.nairobi, cast.mombasa])
        self.other = self.roster(self.other_counsellor_user, "Peter Otieno", [cast.nairobi])
        self.somali = self.roster(self.somali_counsellor_user, "Hodan Ali", [cast.mogadishu])

    def roster(self, user: Any, name: str, stations: list[Any]) -> Counsellor:
        return services.counsellor_save(
            actor=self.admin, data={"user": user, "name": name, "organization_name": "UNDSS",
                                    "languages": "English, Swahili",
                                    "training_status": "certified",
                                    "trained_on": dt.date(2025, 5, 1)},
            duty_stations=stations)


@pytest.fixture
def world(cast: Any, user_with: Any) -> World:
    return World(cast, user_with)
