"""The one way a plain record is saved (core.services.record_save) and the one gate of a page
(core.views_support.perm_required)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from vigil.core.authz import Perm, Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.core.services import record_save
from vigil.core.views_support import perm_required
from vigil.places.models import Premises

FIELDS = {"duty_station", "name", "address", "latitude", "longitude", "staff_capacity"}


def _save(actor, obj, data, version=None, then=None):
    return record_save(actor=actor, obj=obj, perm=Perm.CHANGE_PREMISES, data=data,
                       allowed=FIELDS, action="places.premises", version=version, then=then)


def test_creates_in_scope_and_audits_what_it_wrote(cast, user_with):
    officer = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    saved = _save(officer, Premises(), {"duty_station": cast.nairobi, "name": "Annex",
                                        "address": "UN Avenue 2", "latitude": -1.23,
                                        "longitude": 36.81},
                  then=lambda p: {"organizations": [[], ["UNDP"]]})
    event = AuditEvent.objects.get(action="places.premises.create")
    assert event.object_id == str(saved.pk)
    assert event.changes["name"] == [None, "Annex"]
    assert event.changes["organizations"] == [[], ["UNDP"]]


def test_refuses_a_record_outside_the_actors_scope(cast, user_with):
    officer = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    with pytest.raises(Forbidden):
        _save(officer, Premises(), {"duty_station": cast.mogadishu, "name": "Annex",
                                    "address": "Airport"})
    with pytest.raises(Forbidden):  # nor moves one of its own out of it
        _save(officer, cast.gigiri, {"duty_station": cast.mogadishu}, version=1)
    assert not AuditEvent.objects.filter(action__startswith="places.premises").exists()


def test_update_checks_the_version_and_counts_it_up(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    saved = _save(admin, cast.gigiri, {"name": "UN Gigiri complex"}, version=1)
    assert saved.version == 2
    changes = AuditEvent.objects.get(action="places.premises.update").changes
    assert changes["name"] == ["UN Gigiri", "UN Gigiri complex"]
    with pytest.raises(StaleVersion):
        _save(admin, cast.gigiri, {"name": "Old"}, version=1)


def test_a_field_not_allowed_or_invalid_is_named(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    with pytest.raises(ValidationFailed) as unknown:
        _save(admin, cast.gigiri, {"version": 9}, version=1)
    assert [e.field for e in unknown.value.errors] == ["version"]
    with pytest.raises(ValidationFailed) as invalid:
        _save(admin, Premises(), {"duty_station": cast.nairobi, "name": "",
                                  "address": "x"})
    assert "name" in {e.field for e in invalid.value.errors}


def test_a_rule_of_the_service_is_checked_with_the_models_own(cast, user_with):
    from vigil.core.errors import FieldError

    admin = user_with(Role.ADMINISTRATOR)

    def small(premises):
        return [FieldError("staff_capacity", "Too many.", "out_of_range")] \
            if (premises.staff_capacity or 0) > 10 else []

    with pytest.raises(ValidationFailed) as refused:
        record_save(actor=admin, obj=Premises(), perm=Perm.CHANGE_PREMISES, data={
            "duty_station": cast.nairobi, "name": "", "address": "x", "staff_capacity": 11},
            allowed=FIELDS, action="places.premises", check=small)
    assert {(e.field, e.code) for e in refused.value.errors} >= {
        ("staff_capacity", "out_of_range"), ("name", "invalid")}
    saved = record_save(actor=admin, obj=Premises(), perm=Perm.CHANGE_PREMISES, data={
        "duty_station": cast.nairobi, "name": "Annex", "address": "x", "latitude": -1.23,
        "longitude": 36.81, "staff_capacity": 9},
        allowed=FIELDS, action="places.premises", check=small)
    assert saved.pk is not None


@perm_required(Perm.VIEW_INCIDENT, Perm.RECORD_INCIDENT)
def _page(request):
    return HttpResponse("ok")


def test_the_gate_sends_strangers_to_sign_in_and_refuses_the_unentitled(cast, user_with):
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    assert _page(request).status_code == 302
    request.user = user_with(Role.TRAVELLER)
    with pytest.raises(Forbidden):
        _page(request)
    request.user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    assert _page(request).content == b"ok"


def test_the_gate_needs_a_permission():
    with pytest.raises(ValueError, match="at least one"):
        perm_required()
