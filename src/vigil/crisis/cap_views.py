"""Pages and endpoints of CAP: upload a message, the list of alerts received, and CAP 1.2
messages and Atom feeds of travel advisories and crises."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from vigil.core.authz import Perm, get_visible, has_perm_anywhere, visible
from vigil.core.errors import ValidationFailed
from vigil.core.views_support import perm_required
from vigil.crisis import cap
from vigil.crisis.cap_services import cap_import, publishable_advisories, publishable_crises
from vigil.crisis.models import CapAlert, Crisis
from vigil.crisis.selectors import people_in_area_offered
from vigil.incidents.models import Incident
from vigil.travel.models import ADVISORY_LEVEL_LABELS
from vigil.travel.selectors import advisory_get

FEED_SIZE = 500
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


class CapUploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("CAP message file"), required=False,
        help_text=_lazy("An XML file: one CAP 1.2 alert, or an EDXL-DE envelope holding CAP "
                        "1.2 alerts."))
    xml = forms.CharField(
        label=_lazy("Or paste the message"), required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "dir": "ltr"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None and not data.get("xml"):
            raise forms.ValidationError(_("Choose a file or paste a message."))
        if upload is not None and upload.size > cap.MAX_BYTES:
            self.add_error("file", _("The file is larger than %(size)s MB: no CAP message is "
                                     "that big.") % {"size": cap.MAX_BYTES // (1024 * 1024)})
        return data

    def payload(self) -> tuple[str, bytes]:
        """The field the message came from, and its bytes. Pasted text is already decoded:
        its XML declaration (and the encoding it names) no longer applies."""
        upload = self.cleaned_data.get("file")
        if upload is not None:
            return "file", upload.read()
        text = self.cleaned_data["xml"].lstrip("\ufeff")
        return "xml", _DECLARATION.sub("", text).encode("utf-8")


def _optional_url(name: str, *args: Any) -> str:
    """A page of another part of Vigil, or "" while that part has no such page."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def incident_url(pk: int) -> str:
    return _optional_url("incidents:incident_detail", pk)


@perm_required(Perm.IMPORT_CAP)
@require_http_methods(["GET", "POST"])
def cap_upload(request: HttpRequest) -> HttpResponse:
    form = CapUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        field, data = form.payload()
        try:
            result = cap_import(actor=request.user, data=data)
        except ValidationFailed as exc:
            for error in exc.errors:
                form.add_error(field if error.field == "file" else None, str(error.message))
        else:
            for item in result.every:
                messages.success(request, item.message)
            return redirect("crisis:cap_alert_list")
    return render(request, "crisis/cap_upload.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@perm_required(Perm.IMPORT_CAP, Perm.VIEW_INCIDENT)
@require_GET
def cap_alert_list(request: HttpRequest) -> HttpResponse:
    """The CAP alerts received, newest first. They are public warnings: whoever may import
    them or read incidents sees the list; the incident link only where its scope allows."""
    user = request.user
    alerts = CapAlert.objects.select_related("incident", "feed").order_by("-sent", "-pk")
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    seen = set(visible(user, Perm.VIEW_INCIDENT, Incident.objects.filter(
        pk__in=[a.incident_id for a in page])).values_list("pk", flat=True))
    locate = people_in_area_offered(user)
    rows = [{"alert": a,
             "incident_url": incident_url(a.incident_id) if a.incident_id in seen else "",
             "people_url": _optional_url("crisis:incident_people", a.incident_id)
             if locate and a.incident_id in seen and a.incident.area_geometry else ""}
            for a in page]
    return render(request, "crisis/cap_alert_list.html", {
        "page": page, "rows": rows, "may_import": has_perm_anywhere(user, Perm.IMPORT_CAP)})


# --- CAP out -----------------------------------------------------------------------------------

def _base_url() -> str:
    return str(settings.VIGIL_BASE_URL).rstrip("/")


def token_or_sign_in(view: Any) -> Any:
    """Signed-in users, or machines with an API token (`Authorization: Token …`), as the
    REST API accepts them: CAP and Atom are read by other systems."""
    from functools import wraps

    from rest_framework.authentication import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and \
                request.headers.get("Authorization", "").startswith("Token "):
            try:
                found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
            except AuthenticationFailed:
                return HttpResponse(status=401)
            if found is not None:
                request.user = found[0]
        result: HttpResponse = login_required(view)(request, *args, **kwargs)
        return result

    return wrapped


def _cap_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=cap.CAP_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@token_or_sign_in
@require_GET
def advisory_cap(request: HttpRequest, pk: int) -> HttpResponse:
    """One travel advisory as a CAP 1.2 message: every signed-in user may read advisories."""
    advisory = advisory_get(pk=pk)
    return _cap_response(cap.advisory_alert(advisory, base_url=_base_url()),
                         f"advisory-{advisory.pk}-v{advisory.version}.cap")


@token_or_sign_in
@require_GET
def crisis_cap(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = get_visible(request.user, Perm.VIEW_CRISIS, Crisis.objects.select_related(
        "country", "security_area").prefetch_related("areas"), pk=pk)
    return _cap_response(cap.crisis_alert(crisis, base_url=_base_url()),
                         f"crisis-{crisis.pk}-v{crisis.version}.cap")


def _feed_response(data: bytes) -> HttpResponse:
    return HttpResponse(data, content_type=cap.ATOM_CONTENT_TYPE)


@token_or_sign_in
@require_GET
def advisories_feed(request: HttpRequest) -> HttpResponse:
    """An Atom feed of the advisories in force, each entry linking to its CAP message."""
    base = _base_url()
    entries = []
    for advisory in publishable_advisories()[:FEED_SIZE]:
        label = ADVISORY_LEVEL_LABELS.get(advisory.level, "")
        cap_url = base + reverse("crisis:advisory_cap", args=[advisory.pk])
        page = _optional_url("travel:advisory_detail", advisory.pk)
        entries.append(cap.FeedEntry(
            id=cap_url, title=f"{advisory.country}: {advisory.title}",
            updated=advisory.updated_at,
            summary=_("Level %(level)s: %(label)s.") % {"level": advisory.level,
                                                         "label": label},
            cap_url=cap_url, html_url=base + page if page else ""))
    return _feed_response(cap.atom_feed(
        entries, title=_("Vigil: travel advisories in force"),
        feed_url=base + reverse("crisis:advisories_feed"), base_url=base))


@token_or_sign_in
@require_GET
def crises_feed(request: HttpRequest) -> HttpResponse:
    """An Atom feed of the crises the user may see (active, or closed lately)."""
    base = _base_url()
    entries = []
    for crisis in publishable_crises(request.user)[:FEED_SIZE]:
        cap_url = base + reverse("crisis:crisis_cap", args=[crisis.pk])
        page = _optional_url("crisis:crisis_detail", crisis.pk)
        entries.append(cap.FeedEntry(
            id=cap_url, title=f"{crisis.reference} {crisis.title}",
            updated=crisis.updated_at,
            summary=f"{crisis.country}: {crisis.get_status_display()}",
            cap_url=cap_url, html_url=base + page if page else ""))
    return _feed_response(cap.atom_feed(
        entries, title=_("Vigil: crises"), feed_url=base + reverse("crisis:crises_feed"),
        base_url=base))
