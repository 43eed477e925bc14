"""Pages of the programme performance report (HTML, PDF, XLSX) and the HXL exports.

The report is the whole system's, so it needs the right to view performance held globally.
The indicators' HXL export gives the slices the reader may see; the incidents' HXL export the
incidents the reader may see."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from vigil.core import audit
from vigil.core.authz import Perm, has_perm_anywhere, holds_globally
from vigil.core.errors import Forbidden, NotFound
from vigil.core.slices import SliceKind
from vigil.core.views_support import perm_required
from vigil.performance import hxl, rules, selectors
from vigil.performance.report import (
    SOURCE,
    mandates,
    report_build,
)
from vigil.performance.report_pdf import report_pdf
from vigil.performance.report_xlsx import report_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = (("html", _lazy("Web page")), ("pdf", _lazy("PDF")), ("xlsx", _lazy("XLSX")))
PERIOD_ERRORS = {
    "bad_biennium": _lazy("A biennium starts in an even year: write it as 2026-2027."),
    "end_before_start": _lazy("The end comes before the start."),
    "bad_quarter": _lazy("A quarter is Q1 to Q4, as in 2026-Q3."),
    "unreadable": _lazy("Write a period as 2026-2027 (biennium), 2026 (year), 2026-Q3 "
                        "(quarter) or 2026-01-01..2026-06-30 (dates)."),
}
SLICE_ERRORS = {
    "unknown_kind": _lazy("Choose system, region, country, duty_station or organization."),
    "missing_value": _lazy("Name the region, country, duty station or organization."),
    "unknown_region": _lazy("No such region."),
    "unknown_place": _lazy("Nothing of that kind has this code or number."),
}


def _period(text: str, *, biennium_only: bool) -> rules.Period:
    """The period asked for (the current biennium when none is), or a ValidationError."""
    if not text:
        return rules.biennium_of(timezone.localdate())
    try:
        period = rules.parse_period(text)
    except rules.PeriodError as error:
        raise forms.ValidationError(PERIOD_ERRORS.get(str(error), PERIOD_ERRORS["unreadable"]),
                                    code=str(error)) from error
    if biennium_only and period.kind is not rules.PeriodKind.BIENNIUM:
        raise forms.ValidationError(_("The report covers a biennium: write it as 2026-2027."),
                                    code="not_biennium")
    return period


class ReportForm(forms.Form):
    period = forms.CharField(label=_lazy("Biennium"), required=False, max_length=30,
                             help_text=_lazy("As 2026-2027."))
    format = forms.ChoiceField(label=_lazy("Format"), choices=FORMATS, required=False)
    lang = forms.ChoiceField(label=_lazy("Language"), required=False,
                             choices=[("", _lazy("This page's language")),
                                      *settings.LANGUAGES])

    def clean_period(self) -> rules.Period:
        return _period(self.cleaned_data.get("period") or "", biennium_only=True)


class PeriodForm(forms.Form):
    period = forms.CharField(label=_lazy("Period"), required=False, max_length=30)

    def clean_period(self) -> rules.Period:
        return _period(self.cleaned_data.get("period") or "", biennium_only=False)


def _may_see_report(request: HttpRequest) -> None:
    if not holds_globally(request.user, Perm.VIEW_PERFORMANCE):
        raise Forbidden(_("The programme performance report covers the whole system: it needs "
                          "the right to view performance everywhere."))


def _bad_input(field: str, message: str) -> HttpResponse:
    """A CSV export asked for wrongly: 400, the field named, in plain text."""
    return HttpResponse(f"{field}: {message}\n", status=400,
                        content_type="text/plain; charset=utf-8")


def _download(request: HttpRequest, body: bytes | str, *, content_type: str, filename: str,
              what: str) -> HttpResponse:
    audit.record(actor=request.user, action="core.export", object_type=what,
                 changes={"format": filename.rsplit(".", 1)[-1],
                          "query": request.GET.urlencode()})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@perm_required(Perm.VIEW_PERFORMANCE)
def report(request: HttpRequest) -> HttpResponseBase:
    _may_see_report(request)
    form = ReportForm(request.GET)
    if not form.is_valid():
        return render(request, "performance/report/report.html",
                      {"form": form, "report": None}, status=400)
    period: rules.Period = form.cleaned_data["period"]
    fmt = form.cleaned_data["format"] or "html"
    language = form.cleaned_data["lang"] or translation.get_language() or "en"
    today = timezone.localdate()
    if fmt == "html":
        with translation.override(language):
            built = report_build(period, today=today)
            return render(request, "performance/report/report.html", {
                "form": form, "report": built, "source": SOURCE, "mandates": mandates(),
                "language": language,
                "may_incidents": has_perm_anywhere(request.user, Perm.VIEW_INCIDENT),
                "previous_key": period.previous().key, "next_key": rules.biennium(
                    period.start.year + 2).key})
    with translation.override(language):
        built = report_build(period, today=today)
        body = report_pdf(built) if fmt == "pdf" else report_xlsx(built)
    filename = f"vigil-performance-report-{period.key}-{language}.{fmt}"
    return _download(request, body, content_type="application/pdf" if fmt == "pdf" else XLSX,
                     filename=filename, what="performance.report")


@perm_required(Perm.VIEW_PERFORMANCE)
def hxl_indicators(request: HttpRequest) -> HttpResponseBase:
    """One row per indicator and slice: the slice asked for, or the whole system and every
    country with a presence that the reader may see."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _bad_input("period", "; ".join(str(e) for e in form.errors["period"]))
    period: rules.Period = form.cleaned_data["period"]
    # ``slice`` and ``value``, or the dashboard's ``where`` (``country:12``, ``system``).
    kind, _sep, value = request.GET.get("where", "").partition(":")
    kind = request.GET.get("slice", "") or kind
    value = request.GET.get("value", "") or value
    if kind:
        try:
            where = selectors.parse_slice(kind, value)
        except selectors.SliceError as error:
            if str(error) == "unknown_place":
                raise NotFound() from error
            field = "slice" if str(error) == "unknown_kind" else "value"
            return _bad_input(field, str(SLICE_ERRORS[str(error)]))
        if not selectors.may_view_slice(request.user, where):
            # Out of reach looks like missing.
            raise NotFound()
        slices = [where]
        label = where.kind.value if where.kind is SliceKind.SYSTEM \
            else f"{where.kind.value}-{where.value}"
    else:
        slices = hxl.slices_for(request.user)
        label = "all"
    return _download(request, hxl.indicators_csv(period, slices),
                     content_type="text/csv; charset=utf-8",
                     filename=f"vigil-indicators-{period.key}-{label}.hxl.csv",
                     what="performance.indicator")


@perm_required(Perm.VIEW_INCIDENT)
def hxl_incidents(request: HttpRequest) -> HttpResponseBase:
    """Incidents per country and category in the period, from those the reader may see."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _bad_input("period", "; ".join(str(e) for e in form.errors["period"]))
    period: rules.Period = form.cleaned_data["period"]
    return _download(request, hxl.incidents_csv(request.user, period),
                     content_type="text/csv; charset=utf-8",
                     filename=f"vigil-incidents-{period.key}.hxl.csv",
                     what="incidents.incident")
