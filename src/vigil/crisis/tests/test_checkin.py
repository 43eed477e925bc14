"""The personal check-in link: signed, expiring, usable without signing in; the answer
changes the headcount at once, for the household too when the staff member says so."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.utils import timezone

from vigil.core.errors import ValidationFailed
from vigil.core.models import AuditEvent, Notification
from vigil.crisis import checkin, services
from vigil.crisis.models import (
    AccountEntry,
    AccountEvent,
    AccountStatus,
    CrisisSettings,
    Delivery,
)


@pytest.fixture
def sent(officer, nairobi_crisis, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(actor=officer, crisis=nairobi_crisis, subject="Are you safe?",
                                body="Tell us.")
    return nairobi_crisis


def link_of(crisis, person) -> str:
    row = Delivery.objects.get(broadcast__crisis=crisis, person=person)
    return checkin.token(row)


def test_the_link_in_the_mail_opens_the_page_without_signing_in(cast, sent, client):
    from django.core import mail

    message = next(m for m in mail.outbox if m.to == ["amina@un.example"])
    path = re.search(r"http://[^/\s]+(/c/\S+/)", message.body).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert "I am safe" in page.content.decode()
    assert "ACHIENG, Tom" in page.content.decode()  # her child, whom she may answer for


def test_i_am_safe_updates_the_headcount_at_once(cast, sent, client):
    token = link_of(sent, cast.amina)
    child = AccountEntry.objects.get(crisis=sent, dependant=cast.amina_child)
    page = client.get(f"/c/{token}/").content.decode()
    assert re.search(rf'value="{child.pk}"[^>]*checked', page)  # ticked for her already
    response = client.post(f"/c/{token}/", {"status": "safe", "note": "At home",
                                            "latitude": "-1.25", "longitude": "36.79",
                                            "household": [child.pk]})
    assert response.status_code == 200
    assert "you are safe" in response.content.decode()
    entry = AccountEntry.objects.get(crisis=sent, person=cast.amina, dependant=None)
    assert entry.status == AccountStatus.SAFE
    assert entry.via_checkin is True
    assert entry.status_by is None
    assert (entry.reported_latitude, entry.reported_longitude) == (-1.25, 36.79)
    assert entry.note == "At home"
    assert AccountEvent.objects.filter(entry=entry, status=AccountStatus.SAFE,
                                       via_checkin=True).exists()
    assert AuditEvent.objects.filter(action="crisis.entry.checkin",
                                     object_id=str(entry.pk)).exists()
    # She answered for her child too.
    child.refresh_from_db()
    assert child.status == AccountStatus.SAFE


def test_the_household_is_left_alone_when_unticked(cast, sent):
    checkin.answer(link_of(sent, cast.amina), status=AccountStatus.SAFE, household=[])
    child = AccountEntry.objects.get(crisis=sent, dependant=cast.amina_child)
    assert child.status == AccountStatus.CONTACTED


def test_a_household_id_of_someone_else_is_ignored(cast, sent):
    other = AccountEntry.objects.get(crisis=sent, dependant=cast.fatuma_spouse)
    checkin.answer(link_of(sent, cast.amina), status=AccountStatus.NEEDS_HELP,
                   household=[other.pk])
    other.refresh_from_db()
    assert other.status == AccountStatus.CONTACTED


def test_i_need_help_alerts_the_crisis_team(cast, sent, officer):
    checkin.answer(link_of(sent, cast.omar), status=AccountStatus.NEEDS_HELP,
                   note="Road blocked")
    entry = AccountEntry.objects.get(crisis=sent, person=cast.omar, dependant=None)
    assert entry.status == AccountStatus.NEEDS_HELP
    alert = Notification.objects.filter(user=officer, subject__startswith="Needs help")
    assert alert.count() == 1
    assert alert.get().body == "Road blocked"


def test_answering_again_replaces_the_answer(cast, sent):
    token = link_of(sent, cast.omar)
    checkin.answer(token, status=AccountStatus.NEEDS_HELP)
    checkin.answer(token, status=AccountStatus.SAFE)
    entry = AccountEntry.objects.get(crisis=sent, person=cast.omar, dependant=None)
    assert entry.status == AccountStatus.SAFE
    # The history keeps each: contacted when the message reached him, then both answers.
    assert list(entry.events.order_by("pk").values_list("status", flat=True)) == [
        AccountStatus.CONTACTED, AccountStatus.NEEDS_HELP, AccountStatus.SAFE]


@pytest.mark.parametrize("status", ["injured", "deceased", "", "SAFE"])
def test_only_safe_or_help_can_be_answered(cast, sent, status):
    with pytest.raises(ValidationFailed) as caught:
        checkin.answer(link_of(sent, cast.omar), status=status)
    assert caught.value.errors[0].field == "status"


@pytest.mark.parametrize(("lat", "lon"), [("91", "0"), ("0", "181"), ("north", "1")])
def test_a_bad_location_is_refused_and_nothing_is_written(cast, sent, lat, lon):
    with pytest.raises(ValidationFailed) as caught:
        checkin.answer(link_of(sent, cast.omar), status="safe", latitude=lat, longitude=lon)
    assert caught.value.errors[0].field == "latitude"
    entry = AccountEntry.objects.get(crisis=sent, person=cast.omar, dependant=None)
    assert entry.status == AccountStatus.CONTACTED


def test_a_forged_or_altered_link_is_refused(cast, sent, client):
    token = link_of(sent, cast.omar)
    other = Delivery.objects.get(broadcast__crisis=sent, person=cast.amina).pk
    forged = signing.dumps(other, salt="another purpose")
    for bad in (forged, token[:-2] + "xx", "garbage"):
        response = client.get(f"/c/{bad}/")
        assert response.status_code == 404
        assert "not valid" in response.content.decode()
    with pytest.raises(checkin.LinkInvalid):
        checkin.answer(token[:-2] + "xx", status="safe")


def test_an_expired_link_is_refused(cast, sent, client, monkeypatch):
    token = link_of(sent, cast.omar)
    hours = CrisisSettings.load().link_hours
    later = timezone.now() + dt.timedelta(hours=hours, minutes=1)
    monkeypatch.setattr(signing.time, "time", lambda: later.timestamp())
    response = client.get(f"/c/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_closed_crisis_needs_no_answer(cast, sent, officer, client):
    services.crisis_close(actor=officer, crisis=sent, note="Over.", version=sent.version)
    response = client.post(f"/c/{link_of(sent, cast.omar)}/", {"status": "safe"})
    assert response.status_code == 410
    entry = AccountEntry.objects.get(crisis=sent, person=cast.omar, dependant=None)
    assert entry.status == AccountStatus.CONTACTED


def test_demo_checkins_answers_for_the_people_of_a_demo_only(cast, sent, settings):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not a demo database"):
        call_command("demo_checkins", "--every", "0")
    get_user_model().objects.create_user(username="admin",
                                         password=settings.VIGIL_DEMO_PASSWORD)
    call_command("demo_checkins", "--every", "0", "--share", "1", "--seed", "3")
    staff = AccountEntry.objects.filter(crisis=sent, dependant__isnull=True)
    assert set(staff.values_list("status", flat=True)) <= {AccountStatus.SAFE,
                                                            AccountStatus.NEEDS_HELP}
    assert staff.filter(via_checkin=True).count() == 3
    # Each staff member answered for their household too, as the page offers.
    child = AccountEntry.objects.get(crisis=sent, dependant=cast.amina_child)
    amina = AccountEntry.objects.get(crisis=sent, person=cast.amina, dependant=None)
    assert child.status == amina.status
