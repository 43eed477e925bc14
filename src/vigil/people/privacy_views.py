"""One person's data on request, from their page: the export (a JSON download) and the erasure
(a confirmation page that names the holds, then the counts). The rules, the audit and the
writes are vigil.people.privacy's; these pages only ask and show."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from vigil.core.authz import Perm, require
from vigil.core.errors import StaleVersion
from vigil.people import privacy, selectors
from vigil.people.forms import ErasureForm
from vigil.people.models import Person

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

def person_for_privacy(*, user: AnyUser, pk: Any, perm: Perm) -> Person:
    """The staff member, found through the person selector (anyone outside the user's scope
    is not found, like an unknown id), then checked for ``perm`` (a person the user may see
    but not export or erase: forbidden)."""
    person = selectors.person_get(user=user, pk=pk)
    require(user, perm, person)
    return person


def export_filename(person: Person) -> str:
    return f"vigil-person-{person.index_number}.json"


@login_required
@never_cache
@require_GET
def person_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything Vigil holds on the staff member, as a JSON file; audited by the service."""
    person = person_for_privacy(user=request.user, pk=pk, perm=Perm.EXPORT_PERSONAL_DATA)
    data = privacy.person_export(actor=request.user, person=person)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(person)}"'
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """The erasure's confirmation: what holds it (then no form), what it erases, and the
    person's name typed out; after it, the counts of what changed."""
    person = person_for_privacy(user=request.user, pk=pk, perm=Perm.CHANGE_PERSON)
    holds = privacy.erasure_holds(person)
    form = ErasureForm(request.POST or None, person=person,
                       initial={"version": person.version})
    status = 200
    if request.method == "POST":
        if holds:
            status = 409
        elif not form.is_valid():
            status = 400
        else:
            try:
                counts = privacy.person_erase(actor=request.user, person=person,
                                              version=form.cleaned_data["version"])
            except StaleVersion as exc:
                form.add_error(None, str(exc.message))
                status = 409
            except privacy.ErasureHeld as exc:
                holds = exc.holds  # a hold arose between the page and the erasure
                status = 409
            else:
                erased = Person.objects.get(pk=person.pk)
                return render(request, "people/person_erased.html", {
                    "person": erased, "was": person.full_name,
                    "counts": _kinds(counts),
                    "total": sum(counts.values())})
    return render(request, "people/person_erase.html", {
        "person": person, "holds": holds, "form": form,
        "has_account": person.user_id is not None,
        "dependants": person.dependants.count(),
        "emergency_contacts": person.emergency_contacts.count()}, status=status)


def _kinds(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The counts of an erasure by kind of record, named in the reader's language."""
    named = [(str(apps.get_model(label)._meta.verbose_name_plural), n)
             for label, n in counts.items() if n]
    return sorted(named)
