"""Pages of cost-sharing: bienniums and their budget, thresholds, censuses and apportionment;
each organization's statement (page and XLSX); the comparison of two bienniums."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import ValidationFailed
from vigil.core.forms import VersionForm
from vigil.core.views_support import (
    PAGE_SIZE,
    EditPage,
    apply_service,
    perm_required,
    submit_form,
)
from vigil.costshare import selectors, services
from vigil.costshare.forms import (
    BienniumForm,
    CensusImportForm,
    CompareForm,
    ComputeForm,
    ThresholdFormSet,
)
from vigil.costshare.models import Census
from vigil.costshare.services import CENSUS_COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@perm_required(Perm.VIEW_COSTSHARE)
@require_GET
def biennium_list(request: HttpRequest) -> HttpResponse:
    bienniums = list(selectors.biennium_list(user=request.user))
    return render(request, "costshare/biennium_list.html", {
        "bienniums": bienniums,
        "may_manage": has_perm_anywhere(request.user, Perm.MANAGE_COSTSHARE),
        "compare_form": CompareForm(bienniums=selectors.biennium_list(user=request.user),
                                    initial=_latest_pair(bienniums)),
    })


def _latest_pair(bienniums: list[Any]) -> dict[str, Any]:
    done = [b for b in bienniums if hasattr(b, "apportionment")]
    return {"second": done[0].pk, "first": done[1].pk} if len(done) > 1 else {}


biennium_edit = EditPage(
    form_class=BienniumForm, perm=Perm.MANAGE_COSTSHARE, template="costshare/biennium_form.html",
    context_name="biennium", detail_url="costshare:biennium_detail",
    saved_message=gettext_lazy("Biennium %(name)s saved."), get=selectors.biennium_get,
    create=lambda *, actor, data: services.biennium_save(actor=actor, biennium=None, data=data),
    update=services.biennium_save, fixed=("start_year",),
).view()


@perm_required(Perm.VIEW_COSTSHARE)
@require_GET
def biennium_detail(request: HttpRequest, pk: int) -> HttpResponse:
    biennium = selectors.biennium_get(user=request.user, pk=pk)
    apportionment = selectors.apportionment_of(user=request.user, biennium=biennium)
    if request.GET.get("format") == "xlsx" and apportionment is not None:
        return _apportionment_xlsx(biennium, apportionment)
    censuses = selectors.census_list(user=request.user, biennium=biennium.pk)
    may_manage = can(request.user, Perm.MANAGE_COSTSHARE, biennium)
    locked = apportionment is not None and apportionment.status == "approved"
    finals = censuses.filter(status=Census.Status.FINAL)
    previous = selectors.biennium_list(user=request.user).filter(
        start_year=biennium.start_year - 2, apportionment__isnull=False).first()
    lines = list(apportionment.lines.all()) if apportionment else []
    return render(request, "costshare/biennium_detail.html", {
        "biennium": biennium, "apportionment": apportionment, "lines": lines,
        "censuses": censuses, "may_manage": may_manage and not locked, "locked": locked,
        "compute_form": ComputeForm(censuses=finals,
                                    initial={"census": apportionment.census_id}
                                    if apportionment else None) if finals else None,
        "version_form": VersionForm(initial={"version": apportionment.version})
        if apportionment else None,
        "previous": previous,
        "thresholds": biennium.thresholds.all(),
        "flat_total": sum((x.amount for x in lines if x.basis == "flat"), Decimal(0)),
    })


@perm_required(Perm.MANAGE_COSTSHARE)
@require_http_methods(["GET", "POST"])
def thresholds_edit(request: HttpRequest, pk: int) -> HttpResponse:
    biennium = selectors.biennium_get(user=request.user, pk=pk)
    initial = [{"below_percent": t.percent_text, "flat_amount": t.flat_amount}
               for t in biennium.thresholds.all()]
    formset = ThresholdFormSet(request.POST or None, initial=initial, prefix="t",
                               form_kwargs={"empty_permitted": False})
    if request.method == "POST" and formset.is_valid():
        rows = [(f.cleaned_data["below_percent"], f.cleaned_data["flat_amount"])
                for f in formset.forms if f.cleaned_data
                and f.cleaned_data.get("below_percent") is not None]
        try:
            services.thresholds_set(actor=request.user, biennium=biennium, rows=rows)
        except ValidationFailed as exc:
            for error in exc.errors:
                formset.non_form_errors().append(str(error.message))
                _row_error(formset, error.field, str(error.message))
        else:
            messages.success(request, _("Thresholds of %(biennium)s saved.")
                             % {"biennium": biennium.label})
            return redirect("costshare:biennium_detail", pk=biennium.pk)
    return render(request, "costshare/thresholds_form.html",
                  {"biennium": biennium, "formset": formset})


def _row_error(formset: Any, field: str, message: str) -> None:
    """Place a service fault named ``thresholds.<i>`` on the i-th filled row's form."""
    parts = field.split(".")
    if len(parts) < 2 or not parts[1].isdigit():
        return
    filled = [f for f in formset.forms
              if f.cleaned_data and f.cleaned_data.get("below_percent") is not None]
    index = int(parts[1])
    if index < len(filled):
        filled[index].add_error(None, message)


@perm_required(Perm.MANAGE_COSTSHARE)
@require_POST
def census_take(request: HttpRequest, pk: int) -> HttpResponse:
    biennium = selectors.biennium_get(user=request.user, pk=pk)
    form = VersionForm({"version": 0})
    back = reverse("costshare:biennium_detail", args=[biennium.pk])
    return submit_form(request, form, lambda _d: services.census_take(
        actor=request.user, biennium=biennium), back=back,
        success=lambda c: _("Census of %(date)s taken from the people registry: %(lines)d "
                            "lines.") % {"date": c.census_date.isoformat(),
                                         "lines": c.lines.count()})


@perm_required(Perm.MANAGE_COSTSHARE)
@require_http_methods(["GET", "POST"])
def census_import(request: HttpRequest, pk: int) -> HttpResponse:
    biennium = selectors.biennium_get(user=request.user, pk=pk)
    into = None
    if request.GET.get("census", "").isdigit():
        into = selectors.census_get(user=request.user, pk=request.GET["census"])
    form = CensusImportForm(request.POST or None, request.FILES or None,
                            initial={"census_date": timezone.localdate()})
    if into is not None:
        del form.fields["census_date"]  # the lines go into a census that has its date
    else:
        form.fields["census_date"].required = True
    context: dict[str, Any] = {
        "form": form, "biennium": biennium, "census": into,
        "title": _("Import a census of %(biennium)s") % {"biennium": biennium.label},
        "columns": {"required": CENSUS_COLUMNS, "optional": ()}}
    if request.method == "POST" and form.is_valid():
        try:
            census, report = services.census_import(
                actor=request.user, biennium=biennium, census=into,
                census_date=form.cleaned_data.get("census_date"),
                data=form.cleaned_data["file"].read(),
                skip_invalid=form.cleaned_data["skip_invalid"])
        except ValidationFailed as exc:
            context.update(errors=exc.errors, message=exc.message)
            return render(request, "costshare/census_import.html", context, status=400)
        messages.success(request, _("%(created)d lines created, %(updated)d updated, "
                                    "%(skipped)d rows skipped.") % {
            "created": report.created, "updated": report.updated, "skipped": report.skipped})
        return redirect("costshare:census_detail", pk=census.pk)
    return render(request, "costshare/census_import.html", context)


@perm_required(Perm.VIEW_COSTSHARE)
@require_GET
def census_detail(request: HttpRequest, pk: int) -> HttpResponse:
    census = selectors.census_get(user=request.user, pk=pk)
    lines = Paginator(selectors.census_lines(census), PAGE_SIZE).get_page(request.GET.get("page"))
    by_organization = selectors.census_by_organization(census)
    return render(request, "costshare/census_detail.html", {
        "census": census, "lines": lines, "page": lines, "by_organization": sorted(
            by_organization.items(), key=lambda kv: (-kv[1], kv[0])),
        "total": sum(by_organization.values()),
        "may_manage": can(request.user, Perm.MANAGE_COSTSHARE, census),
        "version_form": VersionForm(initial={"version": census.version}),
    })


@perm_required(Perm.MANAGE_COSTSHARE)
@require_POST
def census_move(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    census = selectors.census_get(user=request.user, pk=pk)
    back = reverse("costshare:census_detail", args=[census.pk])
    return submit_form(request, VersionForm(request.POST), lambda d: services.census_move(
        actor=request.user, census=census, status=status, version=d["version"]), back=back,
        success=lambda c: _("The census is now %(status)s.") % {
            "status": c.get_status_display().lower()})


@perm_required(Perm.MANAGE_COSTSHARE)
@require_POST
def census_delete(request: HttpRequest, pk: int) -> HttpResponse:
    census = selectors.census_get(user=request.user, pk=pk)
    biennium_pk = census.biennium_id
    done = apply_service(VersionForm({"version": 0}), lambda: services.census_delete(
        actor=request.user, census=census) or True)
    if done:
        messages.success(request, _("Draft census deleted."))
        return redirect("costshare:biennium_detail", pk=biennium_pk)
    messages.error(request, _("Only a draft census can be deleted."))
    return redirect("costshare:census_detail", pk=pk)


@perm_required(Perm.MANAGE_COSTSHARE)
@require_POST
def apportion(request: HttpRequest, pk: int) -> HttpResponse:
    biennium = selectors.biennium_get(user=request.user, pk=pk)
    form = ComputeForm(request.POST, censuses=selectors.census_list(
        user=request.user, biennium=biennium.pk, status=Census.Status.FINAL))
    back = reverse("costshare:biennium_detail", args=[biennium.pk])
    return submit_form(request, form, lambda d: services.apportionment_compute(
        actor=request.user, biennium=biennium, census=d["census"]), back=back,
        success=_("Apportionment computed. Check it, then approve it."))


@perm_required(Perm.MANAGE_COSTSHARE)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    biennium = selectors.biennium_get(user=request.user, pk=pk)
    apportionment = selectors.apportionment_of(user=request.user, biennium=biennium)
    back = reverse("costshare:biennium_detail", args=[biennium.pk])
    if apportionment is None:
        messages.error(request, _("Compute the apportionment first."))
        return redirect(back)
    return submit_form(request, VersionForm(request.POST), lambda d: (
        services.apportionment_approve(actor=request.user, apportionment=apportionment,
                                       version=d["version"])), back=back,
        success=_("Apportionment approved; the biennium is locked."))


@perm_required(Perm.VIEW_COSTSHARE)
@require_GET
def statement(request: HttpRequest, pk: int, organization: str) -> HttpResponse:
    biennium = selectors.biennium_get(user=request.user, pk=pk)
    found = selectors.statement_of(user=request.user, biennium=biennium,
                                   organization_code=organization)
    if request.GET.get("format") == "xlsx":
        return _statement_xlsx(found)
    return render(request, "costshare/statement.html", {
        "s": found, "change": None if found.previous is None
        else found.line.amount - found.previous.amount})


@perm_required(Perm.VIEW_COSTSHARE)
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    bienniums = selectors.biennium_list(user=request.user)
    form = CompareForm(request.GET or None, bienniums=bienniums)
    rows = None
    first = second = None
    if form.is_valid():
        first, second = form.cleaned_data["first"], form.cleaned_data["second"]
        rows = selectors.comparison(user=request.user, first=first, second=second)
        if request.GET.get("format") == "xlsx":
            return _comparison_xlsx(first, second, rows)
    totals = None
    if rows is not None:
        totals = {"a": sum((r.amount_a or Decimal(0) for r in rows), Decimal(0)),
                  "b": sum((r.amount_b or Decimal(0) for r in rows), Decimal(0))}
    return render(request, "costshare/compare.html", {
        "form": form, "rows": rows, "first": first, "second": second, "totals": totals,
        "query": request.GET.urlencode()})


# --- XLSX ---------------------------------------------------------------------------------------

def _book_response(book: Any, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _money_format(sheet: Any, columns: str) -> None:
    for column in columns:
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"


def _statement_xlsx(s: selectors.Statement) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = s.biennium.label
    basis = dict(s.line._meta.get_field("basis").flatchoices)
    rows: list[tuple[str, Any]] = [
        (_("Cost-sharing statement"), s.organization.name),
        (_("Organization"), s.organization.code),
        (_("Biennium"), s.biennium.label),
        (_("Status"), s.apportionment.get_status_display()),
        (_("Census date"), s.apportionment.census.census_date),
        (_("Jointly financed budget (US$)"), s.apportionment.budget),
        (_("Field headcount, all organizations"), s.total_headcount),
        (_("Field headcount of the organization"), s.line.headcount),
        (_("Share (%)"), s.line.share_percent),
        (_("Basis"), str(basis.get(s.line.basis, s.line.basis))),
        (_("Amount due (US$)"), s.line.amount),
    ]
    if s.previous is not None:
        rows.append((_("Previous biennium's amount (US$)"), s.previous.amount))
    for label, value in rows:
        sheet.append([str(label), value])
    sheet.append([])
    sheet.append([_("Country"), _("Field headcount")])
    for c in s.countries:
        sheet.append([c.country, c.headcount])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 30
    for cell in ("B6", "B11", "B12"):
        sheet[cell].number_format = "#,##0.00"
    return _book_response(book, f"costshare-{s.biennium.label}-{s.organization.code}")


def _apportionment_xlsx(biennium: Any, apportionment: Any) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = biennium.label
    sheet.append([_("Organization"), _("Name"), _("Field headcount"), _("Share (%)"),
                  _("Basis"), _("Threshold (%)"), _("Amount (US$)")])
    for x in apportionment.lines.all():
        sheet.append([x.organization.code, x.organization.name, x.headcount, x.share_percent,
                      x.get_basis_display(), x.threshold_percent, x.amount])
    sheet.append([_("Total"), "", apportionment.total_headcount, Decimal(100), "", "",
                  sum((x.amount for x in apportionment.lines.all()), Decimal(0))])
    _money_format(sheet, "G")
    sheet.column_dimensions["B"].width = 40
    return _book_response(book, f"costshare-{biennium.label}")


def _comparison_xlsx(first: Any, second: Any, rows: list[selectors.ComparisonRow]
                     ) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"{first.label} {second.label}"[:31]
    a, b = first.label, second.label
    sheet.append([_("Organization"), _("Name"), f"{_('Headcount')} {a}",
                  f"{_('Headcount')} {b}", f"{_('Share (%)')} {a}", f"{_('Share (%)')} {b}",
                  f"{_('Amount (US$)')} {a}", f"{_('Amount (US$)')} {b}", _("Change (US$)"),
                  _("Change (%)")])
    for r in rows:
        sheet.append([r.organization, r.name, r.headcount_a, r.headcount_b, r.share_a,
                      r.share_b, r.amount_a, r.amount_b, r.change, r.change_percent])
    _money_format(sheet, "GHI")
    sheet.column_dimensions["B"].width = 40
    return _book_response(book, f"costshare-{a}-{b}")
