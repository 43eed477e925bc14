"""The shared plumbing of pages (core.views_support): the edit page of a record, the page of
one row of a versioned document, a small form posted from a record's page, and the import of
a file. Each app's pages are tested through their URLs; these pin what the pieces decide."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpResponse

from vigil.core.authz import Perm, Role, ScopeKind
from vigil.core.errors import FieldError, Forbidden, ValidationFailed
from vigil.core.views_support import EditPage, RowPage, import_view, submit_form
from vigil.places import selectors
from vigil.places.models import DutyStation, Premises


class PremisesForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Premises
        fields = ["name", "address"]


class StationForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = DutyStation
        fields = ["name"]


def _request(rf: Any, user: Any, data: dict[str, Any] | None = None) -> Any:
    request = rf.post("/", data) if data is not None else rf.get("/")
    request.user = user
    request._messages = CookieStorage(request)
    return request


def _said(request: Any) -> list[str]:
    return [str(m) for m in get_messages(request)]


class Calls:
    """A service that records how it was called and answers with ``result``."""

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.result, self.error, self.kwargs = result, error, None

    def __call__(self, **kwargs: Any) -> Any:
        self.kwargs = kwargs
        if self.error is not None:
            raise self.error
        return self.result


def _premises_page(create: Calls, update: Calls) -> EditPage:
    return EditPage(form_class=PremisesForm, perm=Perm.CHANGE_PREMISES,
                    template="places/premises_form.html", context_name="premises",
                    detail_url="places:premises_detail", saved_message="%(name)s saved.",
                    get=selectors.premises_get, create=create, update=update, fixed=("name",),
                    from_form=lambda form: {"organization_ids": [7]})


def test_edit_page_creates_with_what_the_url_gives_and_what_the_form_adds(cast, user_with, rf):
    admin = user_with(Role.ADMINISTRATOR)
    create = Calls(result=cast.gigiri)
    request = _request(rf, admin, {"name": "Annex", "address": "UN Avenue 2"})
    response = _premises_page(create, Calls()).respond(
        request, None, given={"duty_station": cast.nairobi})
    assert response.status_code == 302
    assert response.url == f"/places/premises/{cast.gigiri.pk}/"
    assert create.kwargs == {"actor": admin, "organization_ids": [7], "data": {
        "name": "Annex", "address": "UN Avenue 2", "duty_station": cast.nairobi}}
    assert _said(request) == ["UN Gigiri saved."]


def test_edit_page_updates_the_record_by_its_name_and_keeps_fixed_fields(cast, user_with, rf):
    admin = user_with(Role.ADMINISTRATOR)
    update = Calls(result=cast.gigiri)
    request = _request(rf, admin, {"name": "Renamed", "address": "New road", "version": 1})
    response = _premises_page(Calls(), update).view()(request, pk=cast.gigiri.pk)
    assert response.status_code == 302
    assert update.kwargs == {"actor": admin, "premises": cast.gigiri, "data": {
        "address": "New road"}, "version": 1, "organization_ids": [7]}


def test_edit_page_creates_only_for_those_with_the_right(cast, user_with, rf):
    reader = user_with(Role.TRAVELLER)
    page = _premises_page(Calls(), Calls())
    with pytest.raises(Forbidden):
        page.view()(_request(rf, reader))
    assert page.view(may_create=lambda user: True)(_request(rf, reader)).status_code == 200
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    with pytest.raises(Forbidden):  # the record is outside the officer's scope
        page.respond(_request(rf, officer), cast.gigiri)


def test_edit_page_shows_the_services_fault_beside_its_field(cast, user_with, rf):
    admin = user_with(Role.ADMINISTRATOR)
    create = Calls(error=ValidationFailed([FieldError("address", "Give the street.")]))
    request = _request(rf, admin, {"name": "Annex", "address": "?"})
    response = _premises_page(create, Calls()).respond(request, None)
    assert response.status_code == 200
    assert "Give the street." in response.content.decode()
    assert _said(request) == []


STATIONS = RowPage(form_class=StationForm, perm=Perm.CHANGE_DUTY_STATION,
                   template="places/duty_station_form.html", parent_name="area",
                   row_name="station", rows="duty_stations",
                   detail_url="places:security_area_detail", saved_message="Station saved.",
                   get=selectors.security_area_get, save=Calls())


def test_row_page_saves_a_row_of_its_document_with_the_documents_version(cast, user_with, rf):
    admin = user_with(Role.ADMINISTRATOR)
    save = Calls(result=cast.nairobi)
    page = replace(STATIONS, save=save)
    request = _request(rf, admin, {"name": "Nairobi HQ", "version": 3})
    response = page.view()(request, pk=cast.nbi_area.pk, station_pk=cast.nairobi.pk)
    assert response.status_code == 302
    assert response.url == f"/places/security-areas/{cast.nbi_area.pk}/"
    assert save.kwargs == {"actor": admin, "area": cast.nbi_area, "station": cast.nairobi,
                           "data": {"name": "Nairobi HQ"}, "version": 3}
    assert _said(request) == ["Station saved."]


def test_row_page_offers_the_documents_version_and_only_its_own_rows(cast, user_with, rf):
    admin = user_with(Role.ADMINISTRATOR)
    response = STATIONS.view()(_request(rf, admin), pk=cast.nbi_area.pk)
    assert response.status_code == 200
    assert f'name="version" value="{cast.nbi_area.version}"' in response.content.decode()
    with pytest.raises(Http404):  # Mombasa is not in the Nairobi area
        STATIONS.respond(_request(rf, admin), cast.nbi_area, cast.mombasa.pk)


def test_row_page_is_for_the_documents_editors_only(cast, user_with, rf):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    with pytest.raises(Forbidden):
        STATIONS.respond(_request(rf, officer), cast.nbi_area, None)


class NoteForm(forms.Form):
    note = forms.CharField(label="Note")


def test_a_posted_form_says_what_was_done_and_goes_back(rf, admin_user):
    request = _request(rf, admin_user, {"note": "Seen"})
    response = submit_form(request, NoteForm(request.POST), lambda data: data["note"].upper(),
                           success=lambda done: f"Noted: {done}", back="/page/")
    assert (response.status_code, response.url) == (302, "/page/")
    assert _said(request) == ["Noted: SEEN"]


def test_a_refused_form_goes_back_with_each_fault_named(rf, admin_user):
    def refuse(data: dict[str, Any]) -> None:
        raise ValidationFailed([FieldError("note", "Too short.")])

    request = _request(rf, admin_user, {"note": "x"})
    response = submit_form(request, NoteForm(request.POST), refuse, success="Done",
                           back="/page/")
    assert (response.status_code, response.url) == (302, "/page/")
    assert _said(request) == ["Note: Too short."]
    empty = _request(rf, admin_user, {})
    submit_form(empty, NoteForm(empty.POST), refuse, success="Done", back="/page/")
    assert _said(empty) == ["Note: This field is required."]


def test_a_refused_form_may_be_shown_on_the_page_instead(rf, admin_user):
    request = _request(rf, admin_user, {})
    response = submit_form(request, NoteForm(request.POST), lambda data: data, success="Done",
                           back="/page/", refused=lambda form: HttpResponse(
                               ",".join(form.errors), status=400))
    assert (response.status_code, response.content) == (400, b"note")
    assert _said(request) == []


def _import(run: Calls) -> Any:
    return import_view(perm=Perm.IMPORT_DUTY_STATIONS, title="Import stations",
                       required=("code",), optional=("name",), run=run)


def test_import_page_runs_the_service_and_reports_what_it_did(rf, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    run = Calls(result=SimpleNamespace(created=2, updated=1, skipped=0))
    request = _request(rf, admin, {"file": SimpleUploadedFile("s.csv", b"code\nKE-X\n"),
                                   "skip_invalid": "on"})
    assert _import(run)(request).status_code == 200
    assert run.kwargs == {"actor": admin, "data": b"code\nKE-X\n", "skip_invalid": True}
    assert _said(request) == ["2 created, 1 updated, 0 rows skipped."]


def test_import_page_shows_every_fault_and_refuses_others(rf, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    run = Calls(error=ValidationFailed([FieldError("code", "Unknown.", row=2)]))
    request = _request(rf, admin, {"file": SimpleUploadedFile("s.csv", b"code\n?\n")})
    response = _import(run)(request)
    assert response.status_code == 400
    assert "Unknown." in response.content.decode()
    with pytest.raises(Forbidden):
        _import(run)(_request(rf, user_with(Role.TRAVELLER)))
