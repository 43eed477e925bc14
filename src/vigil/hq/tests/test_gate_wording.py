"""What officers read: the refusal of a review move names the status by its label and the
move in a whole sentence, the home panel counts the open unauthorized entries, the rules page
explains the repeated-denials rule, and the mapping and rules forms label their fields in
plain words."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import TransitionRefused
from vigil.hq.gate_forms import MappingForm, RuleSettingsForm
from vigil.hq.gate_services import entry_report, gate_scan, unauthorized_entry_review
from vigil.hq.models import UnauthorizedEntry
from vigil.hq.tests.test_gate_fixtures import NOW, site  # noqa: F401
from vigil.places.models import DutyStation

CLOSED_REFUSAL = ("This unauthorized entry's status is “Reviewed and closed”: "
                  "it cannot be closed.")
OPEN_REFUSAL = "This unauthorized entry's status is “Open”: it cannot be reopened."


def reported(site, description: str = "Seen.") -> UnauthorizedEntry:  # noqa: F811
    event = entry_report(actor=site.officer, premises=site.cast.gigiri, kind="tailgating",
                         occurred_at=NOW, description=description)
    return event.unauthorized_entry


def test_reopening_an_open_entry_is_refused_in_a_whole_sentence(site):  # noqa: F811
    entry = reported(site)
    with translation.override("en"), pytest.raises(TransitionRefused) as caught:
        unauthorized_entry_review(actor=site.officer, entry=entry, move="reopen")
    assert caught.value.message == OPEN_REFUSAL


def test_closing_a_closed_entry_is_refused_in_a_whole_sentence(site):  # noqa: F811
    entry = reported(site)
    unauthorized_entry_review(actor=site.officer, entry=entry, move="close", note="Escorted.")
    with translation.override("en"), pytest.raises(TransitionRefused) as caught:
        unauthorized_entry_review(actor=site.officer, entry=entry, move="close", note="x")
    assert caught.value.message == CLOSED_REFUSAL


def test_the_api_refusal_carries_the_sentence(site, api):  # noqa: F811
    entry = reported(site)
    response = api(site.officer).post(
        f"/api/v1/hq/unauthorized-entries/{entry.pk}/review/",
        {"move": "reopen", "note": "", "version": entry.version}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert OPEN_REFUSAL in response.content.decode()
    assert "cannot be reopen." not in response.content.decode()


def test_the_page_refusal_carries_the_sentence(site, client):  # noqa: F811
    entry = reported(site)
    client.force_login(site.officer)
    page = client.post(reverse("hq:gate_unauthorized_review", args=[entry.pk]),
                       {"move": "reopen", "note": "", "version": entry.version}, follow=True)
    body = page.content.decode()
    assert "it cannot be reopened." in body
    assert "“Open”" in body


def test_the_page_says_the_new_status_by_its_label(site, client):  # noqa: F811
    entry = reported(site)
    client.force_login(site.officer)
    page = client.post(reverse("hq:gate_unauthorized_review", args=[entry.pk]),
                       {"move": "close", "note": "Escorted.", "version": entry.version},
                       follow=True)
    assert f"{entry.reference} is now “Reviewed and closed”." in page.content.decode()


def test_the_home_panel_counts_one_open_unauthorized_entry(site, client):  # noqa: F811
    reported(site)
    client.force_login(site.officer)
    body = client.get("/").content.decode()
    assert "1 open unauthorized entry<" in body
    assert "entry open" not in body


def test_the_home_panel_counts_open_unauthorized_entries(site, client):  # noqa: F811
    reported(site)
    closed = reported(site, "Seen again.")
    unauthorized_entry_review(actor=site.officer, entry=closed, move="close", note="Known.")
    reported(site, "Seen a third time.")
    client.force_login(site.officer)
    body = client.get("/").content.decode()
    assert "2 open unauthorized entries<" in body
    assert "entries open" not in body


def test_the_rules_page_explains_the_repeated_denials_rule(site, client):  # noqa: F811
    client.force_login(site.officer)
    body = client.get(reverse("hq:gate_rules_list")).content.decode()
    assert ("Denied attempts with the same pass number reaching the threshold within the "
            "window; each later attempt within the window of the previous one joins the same "
            "unauthorized entry.") in body
    assert "The threshold or more" not in body


def test_the_mapping_form_labels_the_zone_and_the_directions(site):  # noqa: F811
    with translation.override("en"):
        form = MappingForm(user=site.officer)
        labels = {name: str(f.label) for name, f in form.fields.items()}
    assert labels["time_zone"] == "Time zone of the file's times"
    assert labels["in_values"] == "Values meaning entry (in)"
    assert labels["out_values"] == "Values meaning exit (out)"


def test_the_rules_form_labels_the_invalid_pass_rule(site):  # noqa: F811
    with translation.override("en"):
        label = str(RuleSettingsForm().fields["invalid_pass_rule"].label)
    assert label == "Raise use of expired or revoked passes"


def test_the_mapping_page_names_the_directions(site, client):  # noqa: F811
    client.force_login(site.officer)
    body = client.get(reverse("hq:gate_mapping_detail", args=[site.mapping.pk])).content.decode()
    assert "entry (in): IN" in body
    assert "exit (out): OUT" in body


def test_closing_asks_for_the_note_and_reopening_for_none(site, client):  # noqa: F811
    entry = reported(site)
    client.force_login(site.officer)
    url = reverse("hq:gate_unauthorized_detail", args=[entry.pk])
    body = client.get(url).content.decode()
    assert re.search(r"<textarea[^>]*name=\"note\"[^>]*required", body)
    unauthorized_entry_review(actor=site.officer, entry=entry, move="close", note="Escorted.")
    body = client.get(url).content.decode()
    assert "<textarea" not in body
    assert 'name="move" value="reopen"' in body


def test_the_home_panel_counts_each_premises_today(site, client):  # noqa: F811
    gate_scan(actor=site.officer, gate=site.lobby, pass_number=site.valid.number)
    gate_scan(actor=site.officer, gate=site.lobby, pass_number=site.expired.number)
    client.force_login(site.officer)
    body = client.get("/").content.decode()
    assert "1 entry · 1 denial" in body
    assert "1 unauthorized entry</span>" in body


def test_list_dates_are_read_in_the_one_zone_of_the_premises_in_scope(site, client):  # noqa: F811
    client.force_login(site.officer)
    body = client.get(reverse("hq:gate_unauthorized_list")).content.decode()
    assert "Dates in the filter are read in: Africa/Nairobi." in body


def test_list_dates_are_read_in_utc_across_zones(site, client, user_with):  # noqa: F811
    site.cast.mogadishu.kind = DutyStation.Kind.REGIONAL_COMMISSION
    site.cast.mogadishu.save(update_fields=["kind"])
    client.force_login(user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.GLOBAL, None))
    body = client.get(reverse("hq:gate_unauthorized_list")).content.decode()
    assert "Dates in the filter are read in: UTC." in body
    chosen = client.get(reverse("hq:gate_unauthorized_list"),
                        {"premises": site.cast.mogadishu_compound.pk}).content.decode()
    assert "Dates in the filter are read in: Africa/Mogadishu." in chosen
