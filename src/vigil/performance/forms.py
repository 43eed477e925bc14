"""Forms of programme performance: the dashboard's filters (period and slice, kept in the URL),
a target's baseline and target, and an indicator's setting."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import grants_of
from vigil.core.roles import ROLE_PERMISSIONS, Perm, ScopeKind
from vigil.core.slices import Slice, SliceKind
from vigil.people.models import Organization
from vigil.performance import rules
from vigil.performance import selectors as sel
from vigil.places.models import Country, DutyStation, Region

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

CUSTOM = "custom"
SHOWN_BIENNIUMS = 5
SHOWN_YEARS = 6
SHOWN_QUARTERS = 8


def current_biennium(today: dt.date | None = None) -> rules.Period:
    return rules.biennium_of(today or timezone.localdate())


def period_choices(today: dt.date | None = None) -> list[tuple[str, Any]]:
    """Recent bienniums, years and quarters, newest first, then "dates"."""
    today = today or timezone.localdate()
    bienniums = rules.periods_back(rules.biennium_of(today), SHOWN_BIENNIUMS)[::-1]
    years = rules.periods_back(rules.year(today.year), SHOWN_YEARS)[::-1]
    quarters = rules.periods_back(rules.quarter_of(today), SHOWN_QUARTERS)[::-1]
    return [
        (str(rules.PERIOD_LABELS[rules.PeriodKind.BIENNIUM]),
         [(p.key, p.label) for p in bienniums]),
        (str(rules.PERIOD_LABELS[rules.PeriodKind.YEAR]), [(p.key, p.label) for p in years]),
        (str(rules.PERIOD_LABELS[rules.PeriodKind.QUARTER]),
         [(p.key, p.label) for p in quarters]),
        (CUSTOM, rules.PERIOD_LABELS[rules.PeriodKind.CUSTOM]),
    ]


def where_key(where: Slice) -> str:
    return where.kind.value if where.kind is SliceKind.SYSTEM else f"{where.kind}:{where.value}"


def _scope_ids(user: AnyUser) -> tuple[list[int], list[int], list[int]]:
    """The countries, duty stations and organizations of the viewer's performance grants."""
    ids: dict[ScopeKind, list[int]] = {ScopeKind.COUNTRY: [], ScopeKind.DUTY_STATION: [],
                                       ScopeKind.ORGANIZATION: []}
    for grant in grants_of(user):
        if Perm.VIEW_PERFORMANCE in ROLE_PERMISSIONS[grant.role] and grant.scope_kind in ids \
                and grant.scope_id is not None:
            ids[grant.scope_kind].append(grant.scope_id)
    return (ids[ScopeKind.COUNTRY], ids[ScopeKind.DUTY_STATION], ids[ScopeKind.ORGANIZATION])


def where_choices(user: AnyUser) -> list[tuple[str, Any]]:
    """The slices the viewer may choose: every one for a global grant, else their own
    countries (with their duty stations) and organizations."""
    if sel.sees_everything(user):
        countries = Country.objects.filter(duty_stations__is_active=True).distinct()
        stations = DutyStation.objects.filter(is_active=True)
        organizations = Organization.objects.all()
        out: list[tuple[str, Any]] = [(SliceKind.SYSTEM.value, SliceKind.SYSTEM.label)]
        regions = sorted({r for r in countries.values_list("region", flat=True) if r})
        out.append((SliceKind.REGION.label, [(f"region:{r}", Region(r).label)
                                              for r in regions]))
    else:
        country_ids, station_ids, organization_ids = _scope_ids(user)
        countries = Country.objects.filter(pk__in=country_ids)
        stations = DutyStation.objects.filter(is_active=True).filter(
            pk__in=station_ids) | DutyStation.objects.filter(is_active=True,
                                                            country_id__in=country_ids)
        organizations = Organization.objects.filter(pk__in=organization_ids)
        out = []
    # Each list read once, with only the columns its labels use.
    country_rows = [(f"country:{pk}", name) for pk, name in
                    countries.order_by("name").values_list("pk", "name")]
    if country_rows:
        out.append((SliceKind.COUNTRY.label, country_rows))
    station_rows = [(f"duty_station:{pk}", f"{name} ({country})") for pk, name, country in
                    stations.order_by("country__name", "name").values_list(
                        "pk", "name", "country__name")]
    if station_rows:
        out.append((SliceKind.DUTY_STATION.label, station_rows))
    organization_rows = [(f"organization:{o.pk}", str(o)) for o in organizations.order_by("code")]
    if organization_rows:
        out.append((SliceKind.ORGANIZATION.label, organization_rows))
    return out


class FilterForm(forms.Form):
    """What the dashboard shows: one period and one slice. The form only reads the URL; the
    view turns its values into a Period and a Slice (faults named by field)."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("With \"Dates\": the first day."))
    end = forms.DateField(label=_("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}),
                          help_text=_("With \"Dates\": the last day."))
    where = forms.ChoiceField(label=_("For"), required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choices = period_choices()
        wanted = (self.data.get("period") or "").strip()
        flat = {key for _group, items in choices if isinstance(items, list) for key, _l in items}
        if wanted and wanted not in flat and wanted != CUSTOM:
            # A period given by its key in a link (an older biennium): offer it too.
            choices.insert(0, (wanted, wanted))
        cast(forms.ChoiceField, self.fields["period"]).choices = choices
        where = where_choices(user)
        wanted_where = (self.data.get("where") or "").strip()
        offered = {key for key, items in where if not isinstance(items, list)} | {
            k for _g, items in where if isinstance(items, list) for k, _l in items}
        if wanted_where and wanted_where not in offered:
            where.insert(0, (wanted_where, wanted_where))
        cast(forms.ChoiceField, self.fields["where"]).choices = where

    def resolve(self) -> tuple[rules.Period | None, Slice | None]:
        """The period and slice asked for (defaults when not given); faults go beside their
        field and give None."""
        if not self.is_valid():
            return None, None
        data = self.cleaned_data
        period: rules.Period | None
        key = data.get("period") or ""
        if key == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                self.add_error("start" if start is None else "end",
                               gettext("Give both dates for a period of dates."))
                period = None
            elif end < start:
                self.add_error("end", gettext("The last day comes before the first."))
                period = None
            else:
                period = rules.Period(rules.PeriodKind.CUSTOM, start, end)
        elif key:
            try:
                period = rules.parse_period(key)
            except rules.PeriodError:
                self.add_error("period", gettext(
                    "Write a period as 2026-2027 (biennium), 2026 (year), 2026-Q3 (quarter) or "
                    "2026-01-01..2026-06-30 (dates)."))
                period = None
        else:
            period = current_biennium()
        where = resolve_where(self.user, data.get("where") or "", self)
        return period, where


def resolve_where(user: AnyUser, text: str, form: forms.Form | None = None) -> Slice | None:
    """``kind:value`` (or ``system``) read and checked against what the viewer may see: a place
    that does not exist and one outside their scope get the same answer."""
    if not text:
        return sel.default_slice(user)
    kind, _sep, value = text.partition(":")
    try:
        where = sel.parse_slice(kind, value or None)
    except sel.SliceError:
        where = None
    if where is None or not sel.may_view_slice(user, where):
        if form is not None:
            form.add_error("where", gettext("Unknown, or outside your scope."))
        return None
    return where


class TargetForm(forms.Form):
    baseline = forms.DecimalField(label=_("Baseline"), required=False, decimal_places=1,
                                  max_digits=12,
                                  help_text=_("The figure the biennium starts from."))
    target = forms.DecimalField(label=_("Target"), required=False, decimal_places=1,
                                max_digits=12,
                                help_text=_("The figure to reach by the end of the biennium."))
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Where the figures come from, e.g. the programme "
                                       "budget document."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SettingForm(forms.Form):
    value = forms.DecimalField(label=_("Value"), decimal_places=2, max_digits=12)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
