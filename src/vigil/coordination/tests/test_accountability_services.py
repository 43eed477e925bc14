"""Recording, editing and ending appointments: the access granted and ended with them, who
may appoint which function, the designated official held by one person at a time, bad input
named by field, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.coordination import accountability_services as services
from vigil.coordination.models import Appointment, Function, RoleRequirement
from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, ValidationFailed
from vigil.core.models import AuditEvent, RoleGrant


@pytest.fixture
def dro(user_with):
    return user_with(Role.DRO_DESK_OFFICER)


def data(cast, user, function=Function.WARDEN, **more):
    base = {"function": function, "user": user, "organization": cast.undp,
            "country": cast.kenya, "starts_on": dt.date(2025, 1, 1)}
    if function in {Function.WARDEN, Function.ZONE_WARDEN, Function.FIELD_SECURITY_OFFICER}:
        base["duty_station"] = cast.nairobi
    return {**base, **more}


def test_recording_grants_the_functions_access_and_ending_revokes_it(cast, dro, user_with):
    appointee = user_with()
    appointment = services.appointment_create(actor=dro, data=data(cast, appointee))
    grant = appointment.grant
    assert (grant.role, grant.scope_kind, grant.scope_id, grant.expires_at) == (
        Role.WARDEN, ScopeKind.DUTY_STATION, cast.nairobi.pk, None)
    assert grant.granted_by is None
    services.appointment_end(actor=dro, appointment=appointment,
                             ends_on=timezone.localdate() - dt.timedelta(days=1),
                             reason="Left the duty station", version=appointment.version)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert Appointment.objects.get(pk=appointment.pk).grant is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"coordination.appointment.create", "coordination.appointment.end",
            "core.role_grant.create", "core.role_grant.revoke"} <= actions


def test_ending_in_the_future_sets_the_grant_to_expire(cast, dro, user_with):
    appointment = services.appointment_create(actor=dro, data=data(
        cast, user_with(), Function.CHIEF_SECURITY_ADVISER))
    assert appointment.grant.role == Role.SECURITY_OFFICER
    assert appointment.grant.scope_kind == ScopeKind.COUNTRY
    last = timezone.localdate() + dt.timedelta(days=10)
    services.appointment_end(actor=dro, appointment=appointment, ends_on=last,
                             reason="Reassigned", version=None)
    grant = RoleGrant.objects.get(pk=appointment.grant_id)
    assert grant.expires_at.date() == last + dt.timedelta(days=1)


def test_an_existing_grant_is_linked_to_nothing_and_left_alone(cast, dro, user_with):
    appointee = user_with(Role.WARDEN, ScopeKind.DUTY_STATION, cast.nairobi)
    appointment = services.appointment_create(actor=dro, data=data(cast, appointee))
    assert appointment.grant is None
    services.appointment_end(actor=dro, appointment=appointment,
                             ends_on=dt.date(2025, 6, 1), reason="Done", version=None)
    assert RoleGrant.objects.in_force().filter(user=appointee, role=Role.WARDEN).exists()


@pytest.mark.parametrize(("role", "function", "allowed"), [
    (Role.SECURITY_OFFICER, Function.WARDEN, True),
    (Role.SECURITY_OFFICER, Function.ZONE_WARDEN, True),
    (Role.SECURITY_OFFICER, Function.FIELD_SECURITY_OFFICER, False),
    (Role.SECURITY_OFFICER, Function.DESIGNATED_OFFICIAL, False),
    (Role.DESIGNATED_OFFICIAL, Function.FIELD_SECURITY_OFFICER, True),
    (Role.DESIGNATED_OFFICIAL, Function.SMT_MEMBER, True),
    (Role.DESIGNATED_OFFICIAL, Function.CHIEF_SECURITY_ADVISER, False),
    (Role.DESIGNATED_OFFICIAL, Function.DESIGNATED_OFFICIAL, False),
    (Role.DRO_DESK_OFFICER, Function.DESIGNATED_OFFICIAL, True),
    (Role.ADMINISTRATOR, Function.CHIEF_SECURITY_ADVISER, True),
])
def test_who_may_appoint_which_function(cast, user_with, role, function, allowed):
    actor = user_with(role, ScopeKind.COUNTRY, cast.kenya)
    extra = {"zone": "Gigiri"} if function == Function.ZONE_WARDEN else {}
    if allowed:
        assert services.appointment_create(actor=actor, data=data(cast, user_with(), function,
                                                                  **extra)).pk
    else:
        with pytest.raises(Forbidden) as refused:
            services.appointment_create(actor=actor, data=data(cast, user_with(), function))
        assert "You may record" in str(refused.value.message)


def test_out_of_scope_and_unpermitted_actors_are_refused(cast, user_with):
    somali = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.somalia)
    with pytest.raises(Forbidden):
        services.appointment_create(actor=somali, data=data(cast, user_with()))
    with pytest.raises(Forbidden):
        services.appointment_create(actor=user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY,
                                                    cast.kenya), data=data(cast, user_with()))
    assert not Appointment.objects.exists()


def test_one_designated_official_at_a_time(cast, dro, user_with):
    services.appointment_create(actor=dro, data=data(
        cast, user_with(), Function.DESIGNATED_OFFICIAL, ends_on=dt.date(2025, 12, 31)))
    with pytest.raises(ValidationFailed) as refused:
        services.appointment_create(actor=dro, data=data(
            cast, user_with(), Function.DESIGNATED_OFFICIAL, starts_on=dt.date(2025, 12, 31)))
    assert "2025-01-01" in refused.value.for_field("starts_on")[0]
    assert "2025-12-31" in refused.value.for_field("starts_on")[0]
    assert services.appointment_create(actor=dro, data=data(
        cast, user_with(), Function.DESIGNATED_OFFICIAL, starts_on=dt.date(2026, 1, 1))).pk
    # Several SMT members at once are fine.
    for _n in range(2):
        services.appointment_create(actor=dro, data=data(cast, user_with(),
                                                         Function.SMT_MEMBER))


@pytest.mark.parametrize(("function", "more", "field"), [
    (Function.DESIGNATED_OFFICIAL, {"duty_station": "nairobi"}, "duty_station"),
    (Function.CHIEF_SECURITY_ADVISER, {"security_area": "nbi_area"}, "security_area"),
    (Function.WARDEN, {"duty_station": None}, "duty_station"),
    (Function.ZONE_WARDEN, {}, "zone"),
    (Function.WARDEN, {"zone": "North"}, "zone"),
    (Function.WARDEN, {"duty_station": "mogadishu"}, "duty_station"),
    (Function.WARDEN, {"ends_on": dt.date(2024, 1, 1)}, "ends_on"),
    (Function.WARDEN, {"starts_on": None}, "starts_on"),
])
def test_bad_input_is_named_by_field(cast, dro, user_with, function, more, field):
    more = {k: getattr(cast, v) if isinstance(v, str) and k != "zone" else v
            for k, v in more.items()}
    with pytest.raises(ValidationFailed) as refused:
        services.appointment_create(actor=dro, data=data(cast, user_with(), function, **more))
    assert refused.value.for_field(field)
    assert not Appointment.objects.exists()


def test_ending_needs_a_day_a_reason_and_an_open_appointment(cast, dro, user_with):
    appointment = services.appointment_create(actor=dro, data=data(cast, user_with()))
    for ends_on, reason, field in [(None, "x", "ends_on"), (dt.date(2024, 1, 1), "x", "ends_on"),
                                   (dt.date(2025, 2, 1), " ", "end_reason")]:
        with pytest.raises(ValidationFailed) as refused:
            services.appointment_end(actor=dro, appointment=appointment, ends_on=ends_on,
                                     reason=reason, version=None)
        assert refused.value.for_field(field)
    services.appointment_end(actor=dro, appointment=appointment, ends_on=dt.date(2025, 2, 1),
                             reason="Left", version=None)
    with pytest.raises(ValidationFailed):
        services.appointment_end(actor=dro, appointment=appointment,
                                 ends_on=dt.date(2025, 3, 1), reason="Again", version=None)


def test_update_changes_reference_and_refuses_the_function_and_stale_versions(cast, dro,
                                                                             user_with):
    appointment = services.appointment_create(actor=dro, data=data(cast, user_with()))
    services.appointment_update(actor=dro, appointment=appointment,
                                data={"reference": "DO/2025/14"}, version=1)
    assert Appointment.objects.get(pk=appointment.pk).reference == "DO/2025/14"
    with pytest.raises(ValidationFailed) as refused:
        services.appointment_update(actor=dro, appointment=appointment,
                                    data={"function": Function.SMT_MEMBER}, version=2)
    assert refused.value.for_field("function")
    with pytest.raises(StaleVersion):
        services.appointment_update(actor=dro, appointment=appointment,
                                    data={"reference": "x"}, version=1)
    assert AuditEvent.objects.filter(action="coordination.appointment.update").count() == 1


def test_requirements_are_configured_globally_only(cast, user_with):
    requirement = RoleRequirement.objects.get(function=Function.WARDEN, level="duty_station")
    admin = user_with(Role.ADMINISTRATOR)
    services.requirement_update(actor=admin, requirement=requirement,
                                data={"minimum": 2, "from_security_level": 2}, version=None)
    requirement.refresh_from_db()
    assert (requirement.minimum, requirement.from_security_level) == (2, 2)
    with pytest.raises(Forbidden):
        services.requirement_update(actor=user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY,
                                                    cast.kenya), requirement=requirement,
                                    data={"minimum": 3}, version=None)
    with pytest.raises(ValidationFailed) as refused:
        services.requirement_update(actor=admin, requirement=requirement,
                                    data={"from_security_level": 7}, version=None)
    assert refused.value.for_field("from_security_level")


def test_the_appointments_page_says_what_became_of_its_access(cast, dro, user_with):
    from vigil.coordination.accountability_selectors import grant_state

    made = services.appointment_create(actor=dro, data=data(cast, user_with()))
    assert grant_state(made) == "made"
    services.appointment_end(actor=dro, appointment=made,
                             ends_on=timezone.localdate() + dt.timedelta(days=3),
                             reason="Leaving", version=None)
    assert grant_state(Appointment.objects.get(pk=made.pk)) == "ending"
    kept = services.appointment_create(actor=dro, data=data(
        cast, user_with(Role.WARDEN, ScopeKind.DUTY_STATION, cast.nairobi)))
    assert grant_state(kept) == "kept"
    revoked = services.appointment_create(actor=dro, data=data(cast, user_with()))
    services.appointment_end(actor=dro, appointment=revoked, ends_on=dt.date(2025, 6, 1),
                             reason="Left", version=None)
    assert grant_state(Appointment.objects.get(pk=revoked.pk)) == "revoked"
