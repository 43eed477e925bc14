"""The demo of mission readiness: two templates of every category, Kenya's support office
about 60 % ready and at risk, the surge in South Sudan late, the Somali operation closed;
the same records every time."""

from __future__ import annotations

import random

from vigil.coordination import readiness_rules as rules
from vigil.coordination import readiness_selectors as selectors
from vigil.coordination.models import ReadinessChecklist, RequirementTemplate
from vigil.coordination.readiness_demo import load_readiness
from vigil.core.authz import Role, ScopeKind
from vigil.core.demo import SCALES, DemoContext
from vigil.places.models import Country, DutyStation


def test_demo_shows_each_case(cast, user_with):
    south_sudan = Country.objects.get(iso2="SS")
    DutyStation.objects.create(code="SS-JUB", name="Juba", country=south_sudan,
                               latitude=4.85, longitude=31.58, time_zone="Africa/Juba")
    user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya,
              username="security.officer")
    desk = user_with(Role.DRO_DESK_OFFICER, ScopeKind.GLOBAL, username="dro.desk")
    warden = user_with(Role.WARDEN, ScopeKind.COUNTRY, cast.kenya, username="warden")
    ctx = DemoContext(scale=SCALES["small"], rng=random.Random(1),
                      progress=lambda *a: None)
    load_readiness(ctx)
    assert ctx.counts == {"readiness templates": 2, "readiness checklists": 3}
    for template in RequirementTemplate.objects.all():
        categories = set(template.items.values_list("category", flat=True))
        assert categories == set(rules.CATEGORIES)
        assert 15 <= template.items.count() <= 20
    rows = {c.name: c for c in selectors.checklist_list(user=desk)}
    kenya = rows["UN support office Kisumu"]
    assert kenya.pct == 61
    assert kenya.n_overdue >= 1
    assert kenya.state_key == "at_risk"
    assert rows["Flood response surge — Jonglei"].state_key == "late"
    assert rows["Polio vaccination campaign — Baidoa"].status == "closed"
    assert selectors.my_items(user=warden).count() == 2
    assert ReadinessChecklist.objects.filter(country=cast.kenya).count() == 1
