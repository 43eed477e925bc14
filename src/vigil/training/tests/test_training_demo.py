"""The training demo step runs on the small demo's places and people."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from vigil.core.demo import SCALES, DemoContext, steps
from vigil.people.models import Person
from vigil.training import services
from vigil.training.models import Completion, Enrolment, Session


@pytest.mark.django_db
def test_demo_step_gives_sessions_enrolments_a_waiting_list_and_completions() -> None:
    ctx = DemoContext(scale=SCALES["small"], rng=random.Random(2016),
                      progress=lambda *a: None)
    for step in steps():
        if step.order <= 40:
            step.run(ctx)
    # As the travel step does: the staff's BSAFE history recorded as migrated completions.
    dated = list(Person.objects.order_by("pk")[:30])
    services.completions_migrated([(p.pk, "BSAFE", dt.date(2020, 5, 1)) for p in dated])
    training = next(s for s in steps() if s.name == "training")
    training.run(ctx)
    assert Completion.objects.filter(source="migrated").count() == 30
    assert Completion.objects.filter(source="session").exists()
    assert Completion.objects.filter(source="import").exists()
    assert Session.objects.filter(status="completed").exists()
    assert Enrolment.objects.filter(status="waitlisted").count() == 3
    assert Enrolment.objects.filter(person__user__username="traveller",
                                    dependant__isnull=False).exists()
    assert Session.objects.filter(status="scheduled", enrolments__status="enrolled",
                                  starts_at__lt=dt.datetime.now(tz=dt.UTC)).exists()
