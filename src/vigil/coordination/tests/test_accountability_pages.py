"""The pages of the accountability framework, per role and scope: allowed, refused, and an
out-of-scope record answered like a missing one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vigil.coordination.models import Appointment, Function
from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent


@pytest.fixture
def warden_appointment(cast, user_with):
    return Appointment.objects.create(
        function=Function.WARDEN, user=user_with(username="w1"), organization=cast.undp,
        country=cast.kenya, duty_station=cast.nairobi, starts_on=dt.date(2025, 1, 1))


@pytest.fixture
def kenya_officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


def test_pages_open_to_a_reader_in_scope(client, cast, kenya_officer, warden_appointment):
    client.force_login(kenya_officer)
    for name, args in [("accountability_index", []), ("appointment_list", []),
                       ("gap_board", []), ("requirement_list", []), ("my_functions", []),
                       ("accountability_country", [cast.kenya.pk]),
                       ("appointment_detail", [warden_appointment.pk]),
                       ("appointment_create", []),
                       ("appointment_edit", [warden_appointment.pk])]:
        response = client.get(reverse(f"coordination:{name}", args=args))
        assert response.status_code == 200, name
    page = client.get(reverse("coordination:accountability_country", args=[cast.kenya.pk]))
    assert "Designated official" in page.content.decode()


def test_out_of_scope_records_answer_404(client, cast, user_with, warden_appointment):
    client.force_login(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    for name, args in [("appointment_detail", [warden_appointment.pk]),
                       ("appointment_detail", [999999]),
                       ("accountability_country", [cast.kenya.pk]),
                       ("appointment_edit", [warden_appointment.pk])]:
        assert client.get(reverse(f"coordination:{name}", args=args)).status_code == 404


@pytest.mark.parametrize("role", [Role.TRAVELLER, Role.WARDEN, Role.TRAINING_OFFICER])
def test_roles_without_coordination_are_refused(client, cast, user_with, role):
    client.force_login(user_with(role, ScopeKind.COUNTRY, cast.kenya))
    assert client.get(reverse("coordination:appointment_list")).status_code == 403
    assert client.get(reverse("coordination:gap_board")).status_code == 403
    assert client.get(reverse("coordination:my_functions")).status_code == 200


def test_record_end_and_export_through_the_pages(client, cast, user_with):
    dro = user_with(Role.DRO_DESK_OFFICER)
    client.force_login(dro)
    user_with(username="appointee")
    response = client.post(reverse("coordination:appointment_create"), {
        "function": Function.WARDEN, "user": "appointee", "organization": cast.undp.pk,
        "country": cast.kenya.pk, "duty_station": cast.mombasa.pk, "starts_on": "2025-01-01"})
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    bad = client.post(reverse("coordination:appointment_create"), {
        "function": Function.WARDEN, "user": "nobody", "organization": cast.undp.pk,
        "country": cast.kenya.pk, "starts_on": "2025-01-01"})
    assert "No active account" in bad.content.decode()
    client.post(reverse("coordination:appointment_end", args=[appointment.pk]),
                {"ends_on": "2025-06-30", "end_reason": "Moved", "version": 1})
    appointment.refresh_from_db()
    assert appointment.ends_on == dt.date(2025, 6, 30)
    gaps = client.get(reverse("coordination:gap_board") + "?format=csv")
    assert "Mombasa" in gaps.content.decode()
    assert "2025-07-01" in gaps.content.decode()
    listing = client.get(reverse("coordination:appointment_list")
                         + "?include_ended=on&format=xlsx")
    assert listing.status_code == 200
    assert AuditEvent.objects.filter(action="core.export").count() == 2


def test_requirements_edit_is_for_global_configurers(client, cast, user_with):
    from vigil.coordination.models import RoleRequirement

    requirement = RoleRequirement.objects.first()
    client.force_login(user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya))
    url = reverse("coordination:requirement_edit", args=[requirement.pk])
    assert client.get(url).status_code == 403
    client.force_login(user_with(Role.ADMINISTRATOR))
    response = client.post(url, {"minimum": 3, "from_security_level": 2, "active": "on",
                                 "version": requirement.version})
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert requirement.minimum == 3


def test_the_index_names_each_countrys_holders_and_its_gaps(client, cast, user_with):
    Appointment.objects.create(
        function=Function.DESIGNATED_OFFICIAL, user=user_with(username="grace"),
        organization=cast.undp, country=cast.kenya, starts_on=dt.date(2025, 1, 1))
    client.force_login(user_with(Role.DRO_DESK_OFFICER))
    page = client.get(reverse("coordination:accountability_index")).content.decode()
    assert "grace" in page
    # Somalia has no designated official: a gap, shown as vacant; Kenya's wardens are gaps.
    assert "vacant" in page
    assert f"?country={cast.kenya.pk}" in page


def test_the_gap_board_offers_to_fill_only_what_the_reader_may_record(client, cast,
                                                                       kenya_officer):
    client.force_login(kenya_officer)
    page = client.get(reverse("coordination:gap_board")).content.decode()
    create = reverse("coordination:appointment_create")
    assert (f"{create}?function=warden&amp;country={cast.kenya.pk}"
            f"&amp;duty_station={cast.mombasa.pk}") in page
    # A chief security adviser does not record designated officials.
    assert "Designated official" in page
    assert "function=designated_official" not in page
    form = client.get(f"{create}?function=warden&country={cast.kenya.pk}"
                      f"&duty_station={cast.mombasa.pk}&security_area=x").context["form"]
    assert (form["function"].value(), form["country"].value(),
            form["duty_station"].value()) == ("warden", str(cast.kenya.pk), str(cast.mombasa.pk))
    assert form["security_area"].value() is None
    assert "You may record: Warden, Zone warden." in client.get(create).content.decode()


def test_only_a_zone_warden_has_a_zone_to_edit(client, cast, kenya_officer, warden_appointment):
    client.force_login(kenya_officer)
    url = reverse("coordination:appointment_edit", args=[warden_appointment.pk])
    assert "zone" not in client.get(url).context["form"].fields
    zone = Appointment.objects.create(
        function=Function.ZONE_WARDEN, user=warden_appointment.user, organization=cast.undp,
        country=cast.kenya, duty_station=cast.nairobi, zone="Gigiri",
        starts_on=dt.date(2025, 1, 1))
    url = reverse("coordination:appointment_edit", args=[zone.pk])
    response = client.post(url, {"organization": cast.undp.pk, "zone": "", "version": 1})
    assert response.status_code == 200
    assert response.context["form"].errors["zone"]
    zone.refresh_from_db()
    assert zone.zone == "Gigiri"
