"""The target and setting services: who may write, each field's faults, versions, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vigil.core.errors import Forbidden, StaleVersion, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.core.roles import Role, ScopeKind
from vigil.performance import services
from vigil.performance.models import IndicatorSetting, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(user_with):
    return user_with(Role.PROGRAMME_MANAGER)


def test_a_global_programme_manager_sets_a_target_and_it_is_audited(manager):
    row = services.target_set(actor=manager, indicator_id="SP1.a.i", biennium_start=2026,
                              baseline="80", target="95.5", note="A/69/6")
    assert (row.baseline, row.target, row.version) == (Decimal(80), Decimal("95.5"), 1)
    event = AuditEvent.objects.get(action="performance.target.create")
    assert event.object_id == str(row.pk)


def test_setting_again_updates_with_the_version_read(manager):
    row = services.target_set(actor=manager, indicator_id="SP1.b", biennium_start=2026,
                              target=10)
    again = services.target_set(actor=manager, indicator_id="SP1.b", biennium_start=2026,
                                target=12, version=row.version)
    assert (again.pk, again.target, again.version) == (row.pk, Decimal(12), 2)
    assert AuditEvent.objects.filter(action="performance.target.update").count() == 1


def test_a_stale_version_is_refused(manager):
    row = services.target_set(actor=manager, indicator_id="SP1.b", biennium_start=2026,
                              target=10)
    services.target_set(actor=manager, indicator_id="SP1.b", biennium_start=2026, target=11,
                        version=row.version)
    with pytest.raises(StaleVersion):
        services.target_set(actor=manager, indicator_id="SP1.b", biennium_start=2026,
                            target=12, version=row.version)


@pytest.mark.parametrize(("role", "kind"), [
    (Role.PROGRAMME_MANAGER, ScopeKind.COUNTRY), (Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY),
    (Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY), (Role.ADMINISTRATOR, ScopeKind.GLOBAL),
    (Role.TRAVELLER, ScopeKind.GLOBAL)])
def test_only_a_global_set_targets_grant_writes(cast, user_with, role, kind):
    user = user_with(role, kind, cast.kenya if kind is ScopeKind.COUNTRY else None)
    with pytest.raises(Forbidden):
        services.target_set(actor=user, indicator_id="SP1.b", biennium_start=2026, target=1)
    assert not Target.objects.exists()


@pytest.mark.parametrize(("fields", "faulty", "code"), [
    ({"indicator_id": "SP9.z"}, "indicator", "unknown_reference"),
    ({"biennium_start": 2027}, "biennium_start", "invalid"),
    ({"biennium_start": "twenty"}, "biennium_start", "invalid"),
    ({"biennium_start": 1990}, "biennium_start", "out_of_range"),
    ({"target": "-1"}, "target", "out_of_range"),
    ({"baseline": "abc"}, "baseline", "invalid"),
    ({"target": "100.5"}, "target", "out_of_range"),
    ({"target": "50.25"}, "target", "invalid"),
])
def test_each_bad_field_is_named_and_nothing_is_written(manager, fields, faulty, code):
    given = {"indicator_id": "SP1.a.i", "biennium_start": 2026, "target": 50, **fields}
    with pytest.raises(ValidationFailed) as caught:
        services.target_set(actor=manager, **given)
    assert [(e.field, e.code) for e in caught.value.errors] == [(faulty, code)]
    assert not Target.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="performance.").exists()


def test_a_count_target_may_exceed_100_but_a_percentage_may_not(manager):
    row = services.target_set(actor=manager, indicator_id="SP2.2.b", biennium_start=2026,
                              target=2500)
    assert row.target == 2500
    with pytest.raises(ValidationFailed):
        services.target_set(actor=manager, indicator_id="SP2.1.b.i", biennium_start=2026,
                            target=101)


def test_100_and_0_are_accepted_for_a_percentage(manager):
    row = services.target_set(actor=manager, indicator_id="SP2.1.b.i", biennium_start=2026,
                              baseline=0, target=100)
    assert (row.baseline, row.target) == (0, 100)


def test_clearing_removes_the_target_and_is_audited(manager, user_with, cast):
    row = services.target_set(actor=manager, indicator_id="SP1.b", biennium_start=2026,
                              target=10)
    desk = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(Forbidden):
        services.target_clear(actor=desk, target=row, version=1)
    services.target_clear(actor=manager, target=row, version=1)
    assert not Target.objects.exists()
    assert AuditEvent.objects.filter(action="performance.target.clear").count() == 1


def _with_setting():
    from vigil.performance import registry

    for indicator in registry.INDICATORS:
        if indicator.settings:
            return indicator, indicator.settings[0]
    pytest.skip("no indicator declares a setting yet")
    return None


def test_a_setting_within_its_range_is_stored_then_reset(manager):
    indicator, setting = _with_setting()
    row = services.setting_set(actor=manager, indicator_id=indicator.id, key=setting.key,
                               value=setting.minimum)
    assert row.value == Decimal(setting.minimum)
    services.setting_reset(actor=manager, indicator_id=indicator.id, key=setting.key)
    assert not IndicatorSetting.objects.exists()
    assert AuditEvent.objects.filter(action__in=["performance.setting.set",
                                                 "performance.setting.reset"]).count() == 2


@pytest.mark.parametrize(("key", "value", "faulty"), [
    ("no_such_key", 1, "key"), (None, "abc", "value"), (None, "", "value"),
    (None, "above", "value"), (None, "below", "value")])
def test_a_setting_out_of_range_or_unknown_is_refused(manager, key, value, faulty):
    indicator, setting = _with_setting()
    if value == "above":
        value = Decimal(setting.maximum) + 1
    elif value == "below":
        value = Decimal(setting.minimum) - 1
    with pytest.raises(ValidationFailed) as caught:
        services.setting_set(actor=manager, indicator_id=indicator.id,
                             key=key or setting.key, value=value)
    assert [e.field for e in caught.value.errors] == [faulty]
    assert not IndicatorSetting.objects.exists()


def test_a_setting_needs_the_global_grant(cast, user_with):
    indicator, setting = _with_setting()
    desk = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(Forbidden):
        services.setting_set(actor=desk, indicator_id=indicator.id, key=setting.key,
                             value=setting.default)
