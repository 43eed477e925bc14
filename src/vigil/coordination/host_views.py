"""Pages of host-country cooperation: the list of countries in scope with their figures, a
country's page (agreements, support, liaison meetings, incidents against UN personnel with
their handling, ratings with their trend chart), and the form of each record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.coordination import host_rules as rules
from vigil.coordination import host_selectors as selectors
from vigil.coordination import host_services as services
from vigil.coordination.host_forms import (
    AgreementForm,
    CountryFilters,
    EndForm,
    HandlingForm,
    MeetingForm,
    RatingForm,
    SupportForm,
)
from vigil.coordination.models import IncidentHandling
from vigil.core.authz import Perm, can, has_perm_anywhere, require
from vigil.core.errors import Forbidden
from vigil.core.views_support import (
    apply_service,
    changed_data,
    fresh_copy,
    list_page,
    perm_required,
    submit_form,
)

MANAGE = Perm.MANAGE_HOST_COUNTRY


def _trend_cell(country: Any) -> str:
    found = selectors.country_trend(country)
    return f"{rules.ARROWS[found]} {rules.TREND_LABELS[found]}"


@perm_required(Perm.VIEW_COORDINATION)
def country_list(request: HttpRequest) -> HttpResponseBase:
    filters = CountryFilters(request.GET or None)
    today = timezone.localdate()
    # The incident count is a column of the query only for a list sorted by it; otherwise
    # the page's countries get their incident figures in one query once read.
    by_incidents = request.GET.get("sort", "").lstrip("-") == "incidents"
    return list_page(
        request, queryset=selectors.country_list(user=request.user, **filters.selector_args(),
                                                 order_by_incidents=by_incidents),
        template="coordination/host/country_list.html",
        table_template="coordination/host/partials/_country_table.html",
        sorts={"name": "name", "score": "latest_score", "meeting": "last_meeting",
               "incidents": "incidents_12m"},
        default_sort="name", filters=filters,
        columns=[(_lazy("Country"), lambda c: c.local_name),
                 (_lazy("ISO code"), lambda c: c.iso2),
                 (_lazy("Latest rating"), lambda c: c.latest_score),
                 (_lazy("Trend"), _trend_cell),
                 (_lazy("Agreements in force"), lambda c: c.agreements_in_force),
                 (_lazy("Active support"), lambda c: c.support_active),
                 (_lazy("Support not delivered as agreed"), lambda c: c.support_not_delivered),
                 (_lazy("Last liaison meeting"), lambda c: c.last_meeting),
                 (_lazy("Incidents against UN personnel, 12 months"),
                  lambda c: c.incidents_12m),
                 (_lazy("Investigated"), lambda c: c.investigated_12m),
                 (_lazy("With arrests"), lambda c: c.arrests_12m),
                 (_lazy("Prosecuted"), lambda c: c.prosecuted_12m),
                 (_lazy("Without recorded handling"), lambda c: c.unhandled_12m)],
        export_name="host-countries",
        extra={"today": today, "arrows": rules.ARROWS, "trend_labels": rules.TREND_LABELS,
               "may_manage": has_perm_anywhere(request.user, MANAGE)})


def rating_chart(scores: list[tuple[Any, int]], width: int = 480, height: int = 180
                 ) -> dict[str, Any]:
    """The points of a line chart of scores 1-5 (oldest first), in SVG coordinates."""
    left, right, top, bottom = 48, 32, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(scores)
    step = plot_w / (n - 1) if n > 1 else 0

    def y(score: float) -> float:
        return round(top + plot_h * (5 - score) / 4, 1)

    points = [{"x": round(left + (i * step if n > 1 else plot_w / 2), 1), "y": y(score),
               "score": score, "label": period}
              for i, (period, score) in enumerate(scores)]
    every = max(1, (n + 5) // 6)
    for i, p in enumerate(points):
        p["named"] = i % every == 0 or i == n - 1
    return {"width": width, "height": height, "left": left, "right": width - right,
            "base": top + plot_h, "label_y": height - 8,
            "grid": [{"score": s, "y": y(s)} for s in range(1, 6)],
            "points": points, "line": " ".join(f"{p['x']},{p['y']}" for p in points)}


@perm_required(Perm.VIEW_COORDINATION)
def country_detail(request: HttpRequest, pk: int) -> HttpResponse:
    country = selectors.country_get(user=request.user, pk=pk)
    today = timezone.localdate()
    since = selectors.window_start(today)
    agreements = list(selectors.agreement_list(user=request.user, country=country.pk))
    support = list(selectors.support_list(user=request.user, country=country.pk))
    agreements_in_force = [a for a in agreements
                           if rules.in_force(a.in_force_from, a.in_force_until, today)]
    support_active = [s for s in support if rules.in_force(s.starts_on, s.ends_on, today)]
    ratings = list(selectors.rating_list(user=request.user, country=country.pk).order_by(
        "period_start", "pk"))
    scores = [r.score for r in ratings]
    found = rules.trend(scores)
    incidents = list(selectors.country_incidents(user=request.user, country=country)[
        :selectors.PAGE_ROWS])
    may_manage = can(request.user, MANAGE, country)
    return render(request, "coordination/host/country_detail.html", {
        "country": country, "today": today, "since": since, "may_manage": may_manage,
        "agreements_in_force": agreements_in_force,
        "agreements_other": [a for a in agreements if a not in agreements_in_force],
        "support_active": support_active,
        "support_ended": [s for s in support if s not in support_active],
        "meetings": selectors.meeting_list(user=request.user, country=country.pk)[:20],
        "follow_ups": selectors.country_follow_ups(country=country),
        "incidents": incidents,
        "unhandled": [i for i in incidents if not _has_handling(i)],
        "summary_12m": selectors.country_analysis(user=request.user, country=country,
                                                  since=since),
        "summary_all": selectors.country_analysis(user=request.user, country=country),
        "ratings": ratings, "ratings_newest": list(reversed(ratings)),
        "trend": found, "trend_label": rules.TREND_LABELS[found],
        "arrow": rules.ARROWS[found], "slope": rules.slope(scores),
        "due_period": rules.due_rating_period(ratings[-1].period_end if ratings else None,
                                              today),
        "chart": rating_chart([(r.period_start.isoformat(), r.score) for r in ratings])
        if ratings else None,
        "end_form": EndForm()})


def _has_handling(incident: Any) -> bool:
    try:
        return incident.host_handling is not None
    except IncidentHandling.DoesNotExist:
        return False


def _country_url(country_id: int, anchor: str) -> str:
    return reverse("coordination:host_country_detail", args=[country_id]) + f"#{anchor}"


def _edit(request: HttpRequest, *, form_class: type[Any], obj: Model | None,
          create: Callable[..., Any], update: Callable[..., Any], name: str, title: Any,
          intro: Any, anchor: str) -> HttpResponse:
    """The create-and-edit page of one record of a country; saved, back to the country."""
    if obj is not None:
        require(request.user, MANAGE, obj)
    elif not has_perm_anywhere(request.user, MANAGE):
        raise Forbidden()
    initial: dict[str, Any] = {"version": getattr(obj, "version", None)} if obj else {
        "country": request.GET.get("country")}
    form = form_class(request.POST or None, instance=fresh_copy(obj) if obj else None,
                      initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(form_class._meta.fields or []))
        saved = apply_service(form, lambda: create(actor=request.user, data=data)
                              if obj is None else update(
                                  actor=request.user, data=data,
                                  version=form.cleaned_data.get("version"), **{name: obj}))
        if saved is not None:
            messages.success(request, _("Saved: %(name)s.") % {"name": saved})
            return redirect(_country_url(saved.country_id, anchor))
    country_id = getattr(obj, "country_id", None) or request.GET.get("country")
    back = (reverse("coordination:host_country_detail", args=[country_id])
            if country_id and str(country_id).isdigit()
            else reverse("coordination:host_country_list"))
    return render(request, "coordination/host/form.html", {
        "form": form, "title": title, "intro": intro, "back": back, "record": obj})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    obj = selectors.agreement_get(user=request.user, pk=pk) if pk else None
    return _edit(request, form_class=AgreementForm, obj=obj,
                 create=services.agreement_create, update=services.agreement_update,
                 name="agreement", anchor="agreements",
                 title=_("Edit the agreement") if obj else _("New host-country agreement"),
                 intro=_("An agreement in force from its first day to its last day, both "
                         "included; leave the last day empty while it has no end."))


@login_required
@require_http_methods(["GET", "POST"])
def support_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    obj = selectors.support_get(user=request.user, pk=pk) if pk else None
    return _edit(request, form_class=SupportForm, obj=obj,
                 create=services.support_create, update=services.support_update,
                 name="support", anchor="support",
                 title=_("Edit the security support") if obj else
                 _("New security support from the host"),
                 intro=_("Police escorts, guards, liaison officers and other support the host "
                         "government provides. Untick “provided as agreed” when it is not "
                         "delivered as agreed."))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    obj = selectors.meeting_get(user=request.user, pk=pk) if pk else None
    return _edit(request, form_class=MeetingForm, obj=obj,
                 create=services.meeting_record, update=services.meeting_update,
                 name="meeting", anchor="meetings",
                 title=_("Edit the liaison meeting") if obj else _("Record a liaison meeting"),
                 intro=_("A follow-up stays open until a later meeting with the same host "
                         "authority takes it up."))


@login_required
@require_http_methods(["GET", "POST"])
def rating_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    obj = selectors.rating_get(user=request.user, pk=pk) if pk else None
    return _edit(request, form_class=RatingForm, obj=obj,
                 create=services.rating_record, update=services.rating_update,
                 name="rating", anchor="ratings",
                 title=_("Edit the engagement rating") if obj else
                 _("Rate the host government's engagement"),
                 intro=_("One rating per period, usually a calendar quarter; periods of one "
                         "country do not overlap. Say why."))


@login_required
@require_http_methods(["GET", "POST"])
def handling_edit(request: HttpRequest, incident_pk: int) -> HttpResponse:
    """Record, or update, how the host's authorities handled one incident against UN
    personnel."""
    incident = selectors.incident_candidate_get(user=request.user, pk=incident_pk)
    handling = IncidentHandling.objects.filter(incident=incident).first()
    if handling is not None:
        require(request.user, MANAGE, handling)
    elif incident.country is None or not can(request.user, MANAGE, incident.country):
        raise Forbidden()
    form = HandlingForm(request.POST or None,
                        instance=fresh_copy(handling) if handling else None,
                        initial={"version": handling.version} if handling else None)
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, sorted(services.HANDLING_FIELDS))
        saved = apply_service(form, lambda: services.handling_record(
            actor=request.user, incident_id=incident.pk, data=data) if handling is None
            else services.handling_update(actor=request.user, handling=handling, data=data,
                                          version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Handling of %(incident)s saved.")
                             % {"incident": incident.reference})
            return redirect(_country_url(saved.country_id, "incidents"))
    back = (reverse("coordination:host_country_detail", args=[incident.country_id])
            if incident.country_id else reverse("coordination:host_country_list"))
    return render(request, "coordination/host/handling_form.html", {
        "form": form, "incident": incident, "handling": handling, "back": back})


def _end_view(request: HttpRequest, obj: Any, end: Callable[..., Any], name: str,
              anchor: str) -> HttpResponse:
    return submit_form(
        request, EndForm(request.POST),
        lambda data: end(actor=request.user, version=data["version"], on=data["on"],
                         **{name: obj}),
        back=_country_url(obj.country_id, anchor),
        success=lambda saved: _("%(name)s ends on %(date)s.") % {
            "name": saved, "date": (saved.in_force_until if name == "agreement"
                                    else saved.ends_on).isoformat()})


@login_required
@require_POST
def agreement_end(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.agreement_get(user=request.user, pk=pk)
    return _end_view(request, obj, services.agreement_end, "agreement", "agreements")


@login_required
@require_POST
def support_end(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.support_get(user=request.user, pk=pk)
    return _end_view(request, obj, services.support_end, "support", "support")
