"""The access-control demo step runs on the small demo's places and people."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.demo import SCALES, DemoContext, steps
from vigil.hq.models import Accreditation, Pass, PassStatus, Visit, Zone


@pytest.mark.django_db
def test_demo_step_gives_zones_passes_in_every_state_visitors_and_a_ga_session() -> None:
    ctx = DemoContext(scale=SCALES["small"], rng=random.Random(2016),
                      progress=lambda *a: None)
    for step in steps():
        if step.order <= 40 or step.name == "HQ access control":
            step.run(ctx)
    assert Zone.objects.filter(premises__duty_station__name="Geneva").exists()
    now = timezone.now()
    assert Pass.objects.filter(status=PassStatus.SUSPENDED).exists()
    assert Pass.objects.filter(status=PassStatus.REVOKED).exists()
    assert Pass.objects.filter(status=PassStatus.ACTIVE, valid_until__lte=now).exists()
    assert Pass.objects.filter(status=PassStatus.ACTIVE, valid_from__lte=now,
                               valid_until__gt=now).exists()
    today: Any = Visit.objects.filter(premises__duty_station__name="New York")
    assert today.count() == 6
    assert today.filter(status="arrived").count() == 1
    assert Accreditation.objects.filter(status="accredited", pass_issued__isnull=False).exists()
    assert Accreditation.objects.filter(status="requested").exists()
