"""Targets and settings in the admin site: an administrator reads them; nobody writes there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vigil.core.roles import Role
from vigil.performance.models import IndicatorSetting, Target

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_targets_and_settings_but_cannot_change_them(client, user_with):
    row = Target.objects.create(indicator="SP1.b", biennium_start=2026, baseline=3, target=5)
    setting = IndicatorSetting.objects.create(indicator="SP2.1.c.i", key="days", value=45)
    client.force_login(user_with(Role.ADMINISTRATOR))
    listed = client.get(reverse("admin:performance_target_changelist"))
    assert listed.status_code == 200
    assert "SP1.b" in listed.content.decode()
    assert client.get(reverse("admin:performance_indicatorsetting_changelist")
                      ).status_code == 200
    # The record opens read only; adding, saving and deleting are refused.
    shown = client.get(reverse("admin:performance_target_change", args=[row.pk]))
    assert shown.status_code == 200
    assert 'name="_save"' not in shown.content.decode()
    assert client.get(reverse("admin:performance_target_add")).status_code == 403
    assert client.post(reverse("admin:performance_target_change", args=[row.pk]),
                       {"indicator": "SP1.b", "biennium_start": 2026, "target": 9}
                       ).status_code == 403
    assert client.post(reverse("admin:performance_indicatorsetting_delete",
                               args=[setting.pk]), {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.target == 5
    assert IndicatorSetting.objects.filter(pk=setting.pk).exists()


def test_staff_without_the_performance_permission_do_not_see_them(client, user_with):
    user = user_with(Role.TRAINING_OFFICER)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    assert client.get(reverse("admin:performance_target_changelist")).status_code == 403
