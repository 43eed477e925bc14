"""The access-control demo step runs on the small demo's places and people."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from vigil.core.demo import SCALES, DemoContext, steps
from vigil.core.models import AuditEvent
from vigil.hq.gate_demo import _gates
from vigil.hq.models import Accreditation, Pass, PassStatus, Visit, Zone
from vigil.places.models import Premises


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
    # New York, where the demo's HQ officer works, is made through the services: each pass
    # has its history, as the officer's.
    suspended = Pass.objects.get(status=PassStatus.SUSPENDED,
                                 duty_station__name="New York")
    history = AuditEvent.objects.filter(object_type="hq.pass", object_id=str(suspended.pk))
    assert list(history.order_by("seq").values_list("action", "actor_label")) == [
        ("hq.pass.issue", "hq.security"), ("hq.pass.suspend", "hq.security")]
    assert suspended.status_reason == "Card reported lost"
    assert AuditEvent.objects.filter(action="hq.pass.revoke").count() == 1
    assert AuditEvent.objects.filter(action="hq.meeting.issue_passes").count() == 1
    # Accredited since the passes were issued: waiting for theirs.
    assert Accreditation.objects.filter(status="accredited", pass_issued__isnull=True).exists()
    # Elsewhere no demo officer may act: seeded, issued by nobody.
    geneva = Pass.objects.filter(duty_station__name="Geneva")
    assert geneva.exists()
    assert not geneva.filter(issued_by__isnull=False).exists()
    # The gate demo's garage ramp leads into the garage.
    new_york = Premises.objects.filter(duty_station__name="New York").order_by("pk").first()
    assert new_york is not None
    ramp = next(g for g in _gates(new_york) if g.code == "GARAGE-01")
    assert ramp.zone.code == "garage"
    assert next(g for g in _gates(new_york) if g.code == "VIS-LOBBY-01").zone.code == "lobby"
