"""Shared plumbing of HTML pages: lists with search, sort, pagination and export; forms that
call a service and show its faults beside the fields."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core import audit
from vigil.core.authz import Perm, has_perm_anywhere, require, visible
from vigil.core.errors import DomainError, Forbidden, StaleVersion, ValidationFailed
from vigil.core.forms import ImportForm

T = TypeVar("T")
PAGE_SIZE = 50
#: A list counts its matching rows up to this many and says "more than" beyond: an exact
#: COUNT(*) over millions of travel requests costs more than the page it heads.
COUNT_CAP = 1_000


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """Pages of a queryset whose count stops at ``cap``: ``capped`` tells that more rows
    match. The pages then reach as far as the cap (filters and search reach the rest), as
    mature products' lists do."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        found = self.object_list
        if isinstance(found, QuerySet):
            # Any cap + 1 rows will do: no ORDER BY for the database to sort them by.
            return found.order_by().values("pk")[: self.cap + 1].count()
        return len(found)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap

EXPORT_LIMIT = 100_000

Column = tuple[Any, Callable[[Any], Any]]
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def next_url(request: HttpRequest, default: str) -> str:
    """Where a form posted from another page goes back to: its ``next`` when that is a page of
    this site, else ``default``. Never another site (an open redirect)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return default


def perm_required(*perms: Perm) -> Callable[[View], View]:
    """The one gate of a page: signed in (else the sign-in page), and holding at least one of
    ``perms`` somewhere (else 403). Which record the user may act on is the selector's and the
    service's to decide; a view that calls a service checking the same right needs no gate
    beyond sign-in."""
    if not perms:
        raise ValueError("perm_required needs at least one permission")

    def decorate(view: View) -> View:
        @wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(has_perm_anywhere(request.user, perm) for perm in perms):
                raise Forbidden()
            return view(request, *args, **kwargs)

        result: View = login_required(gated)  # type: ignore[assignment]
        return result

    return decorate


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export(request: HttpRequest, queryset: QuerySet[Any], columns: Sequence[Column],
            filename: str, fmt: str, perm: Perm | None) -> HttpResponseBase:
    if perm is not None:
        if not has_perm_anywhere(request.user, perm):
            raise Forbidden(_("You may not export this list."))
        # Export only what the export permission's own scope covers, not all that is visible.
        queryset = visible(request.user, perm, queryset)
    rows = queryset[:EXPORT_LIMIT]
    headers = [str(h) for h, _f in columns]
    audit.record(actor=request.user, action="core.export",
                 object_type=queryset.model._meta.label_lower,
                 changes={"format": fmt, "query": request.GET.urlencode(),
                          "rows": queryset.count()},
                 sensitive_read=perm is not None)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(filename[:31])
        sheet.append(headers)
        for obj in rows.iterator(chunk_size=2000):
            sheet.append([_cell(f(obj)) for _h, f in columns])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
        return response
    writer = csv.writer(_Echo())

    def stream() -> Any:
        yield "\ufeff" + writer.writerow(headers)
        for obj in rows.iterator(chunk_size=2000):
            yield writer.writerow([_cell(f(obj)) for _h, f in columns])

    streaming = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    streaming["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return streaming


# A spreadsheet reads a cell that begins with one of these as a formula (or, for tab and
# carriage return, shifts it into one): OWASP "CSV Injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# Control characters that XML 1.0, and so XLSX, cannot hold (tab and line breaks excepted):
# imported names sometimes carry them (OpenFlights, Natural Earth).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value: Any) -> Any:
    """One exported value, for CSV and XLSX alike: numbers stay numbers, control characters
    are dropped, and text that a spreadsheet would run as a formula is written as text,
    behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    text = CONTROL_CHARACTERS.sub("", text)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def list_page(request: HttpRequest, *, queryset: QuerySet[Any], template: str,
              table_template: str, sorts: dict[str, str], default_sort: str,
              filters: forms.Form | None = None, columns: Sequence[Column] = (),
              export_name: str = "",
              export_perm: Perm | None = None, extra: dict[str, Any] | None = None,
              audit_read_as: str = "") -> HttpResponseBase:
    """Render a list page (or only its table, for an HTMX request) from the URL's query:
    ``q`` and the filters narrow, ``sort`` orders (``-`` for descending), ``page`` pages,
    ``format=csv|xlsx`` exports every matching row."""
    sort = request.GET.get("sort", default_sort)
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = default_sort, default_sort.lstrip("-")
    order = sorts[key]
    queryset = queryset.order_by(f"-{order}" if sort.startswith("-") else order, "pk")
    fmt = request.GET.get("format", "")
    if fmt in {"csv", "xlsx"} and columns:
        return _export(request, queryset, columns, export_name or "export", fmt, export_perm)
    page = CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    if audit_read_as:
        audit.record_list_read(actor=request.user, action=audit_read_as,
                               object_type=queryset.model._meta.label_lower,
                               query=request.GET.urlencode(), rows=len(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "page": page,
        "filters": filters,
        "sort": sort,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "can_export": bool(columns) and (export_perm is None
                                         or has_perm_anywhere(request.user, export_perm)),
        "table_template": table_template,
        **(extra or {}),
    }
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "results":
        return render(request, table_template, context)
    return render(request, template, context)


def apply_service(form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Call a service; put each fault it reports beside its field (or at the top)."""
    try:
        return call()
    except ValidationFailed as exc:
        for error in exc.errors:
            field = error.field if error.field in form.fields else None
            message = str(error.message) if field else (
                f"{error.field}: {error.message}" if error.field else str(error.message))
            form.add_error(field, message)
    except StaleVersion as exc:
        form.add_error(None, str(exc.message))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        form.add_error(None, str(exc.message))
    return None


def fresh_copy(obj: Model) -> Model:
    """A separate instance for a ModelForm to validate, so the original keeps the values read
    from the database (the service diffs against them for the audit)."""
    return type(obj)._default_manager.get(pk=obj.pk)


def changed_data(form: forms.BaseForm, fields: Sequence[str]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}


@dataclass(frozen=True)
class EditPage:
    """The create-and-edit page of one kind of record, shared by every app.

    ``get(user=, pk=)`` is the selector that finds the record. ``create(actor=, data=)`` and
    ``update(actor=, <context_name>=, data=, version=)`` are the app's services: the record's
    keyword is the page's ``context_name``. ``from_form(form)`` gives further service arguments
    read from the form; ``fixed`` fields are shown but cannot change once the record exists."""

    form_class: type[forms.ModelForm]  # type: ignore[type-arg]
    perm: Perm
    template: str
    context_name: str
    detail_url: str
    saved_message: Any  # translatable, with %(name)s
    get: Callable[..., Model]
    create: Callable[..., Model]
    update: Callable[..., Model]
    fixed: tuple[str, ...] = ()
    from_form: Callable[[Any], dict[str, Any]] | None = None

    def view(self, *, may_create: Callable[[Any], bool] | None = None,
             form_kwargs: Callable[[HttpRequest], dict[str, Any]] | None = None,
             ) -> Callable[..., HttpResponse]:
        """The page as a view: ``pk`` in the URL edits that record, none creates one.
        ``may_create(user)`` replaces "holds the permission somewhere" as the right to create;
        ``form_kwargs(request)`` gives the form more arguments."""

        @login_required
        @require_http_methods(["GET", "POST"])
        def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
            obj = self.get(user=request.user, pk=pk) if pk else None
            return self.respond(
                request, obj, may_create=may_create(request.user) if may_create else None,
                form_kwargs=form_kwargs(request) if form_kwargs else None)

        return edit

    def respond(self, request: HttpRequest, obj: Model | None, *,
                may_create: bool | None = None, form_kwargs: dict[str, Any] | None = None,
                context: dict[str, Any] | None = None,
                given: dict[str, Any] | None = None) -> HttpResponse:
        """The page for ``obj`` (None: a new record). ``given`` are values of a new record that
        come from the URL, not from the form (the staff member a dependant is added to)."""
        if obj is not None:
            require(request.user, self.perm, obj)
        elif not (may_create if may_create is not None
                  else has_perm_anywhere(request.user, self.perm)):
            raise Forbidden()
        form = self.form_class(request.POST or None,
                               instance=fresh_copy(obj) if obj is not None else None,
                               initial={"version": getattr(obj, "version", None)}
                               if obj is not None else None, **(form_kwargs or {}))
        if obj is not None:
            for name in self.fixed:
                form.fields[name].disabled = True
        if request.method == "POST" and form.is_valid():
            saved = apply_service(form, lambda: self._save(request.user, obj, form, given))
            if saved is not None:
                messages.success(request, self.saved_message % {"name": saved})
                return redirect(self.detail_url, pk=saved.pk)
        return render(request, self.template,
                      {"form": form, self.context_name: obj, **(context or {})})

    def _save(self, actor: Any, obj: Model | None, form: forms.BaseForm,
              given: dict[str, Any] | None) -> Model:
        fields = [f for f in (self.form_class._meta.fields or [])
                  if obj is None or f not in self.fixed]
        data = changed_data(form, fields)
        more = self.from_form(form) if self.from_form else {}
        if obj is None:
            return self.create(actor=actor, data={**data, **(given or {})}, **more)
        return self.update(actor=actor, data=data, version=form.cleaned_data.get("version"),
                           **{self.context_name: obj}, **more)


@dataclass(frozen=True)
class RowPage:
    """The page that adds or changes one row of a document kept whole by its version: a risk
    in an assessment's register, a programme activity, a MOSS item. Only the document's
    editors may; the save carries the document's version, so that two people editing the same
    document do not overwrite each other.

    ``save(actor=, <parent_name>=, <row_name>=, data=, version=)`` is the app's service; the
    rows are the document's ``rows`` relation; the URL names the row ``<row_name>_pk``."""

    form_class: type[forms.ModelForm]  # type: ignore[type-arg]
    perm: Perm
    template: str
    parent_name: str
    row_name: str
    rows: str
    detail_url: str
    saved_message: Any  # translatable
    get: Callable[..., Model]
    save: Callable[..., Model]

    def view(self) -> Callable[..., HttpResponse]:
        @login_required
        @require_http_methods(["GET", "POST"])
        def edit(request: HttpRequest, pk: int, **row: int | None) -> HttpResponse:
            parent = self.get(user=request.user, pk=pk)
            return self.respond(request, parent, row.get(f"{self.row_name}_pk"))

        return edit

    def respond(self, request: HttpRequest, parent: Model,
                row_pk: int | None) -> HttpResponse:
        require(request.user, self.perm, parent)
        row = get_object_or_404(getattr(parent, self.rows), pk=row_pk) if row_pk else None
        form = self.form_class(request.POST or None,
                               instance=fresh_copy(row) if row is not None else None,
                               initial={"version": getattr(parent, "version", None)})
        if request.method == "POST" and form.is_valid():
            data = changed_data(form, list(self.form_class._meta.fields or []))
            saved = apply_service(form, lambda: self.save(
                actor=request.user, data=data, version=form.cleaned_data["version"],
                **{self.parent_name: parent, self.row_name: row}))
            if saved is not None:
                messages.success(request, str(self.saved_message))
                return redirect(self.detail_url, pk=parent.pk)
        return render(request, self.template,
                      {"form": form, self.parent_name: parent, self.row_name: row})


def submit_form(request: HttpRequest, form: forms.BaseForm,
                call: Callable[[dict[str, Any]], T], *, success: Callable[[T], Any] | Any,
                back: str, refused: Callable[[Any], HttpResponse] | None = None,
                ) -> HttpResponse:
    """A form posted from a record's page (a small form on it, or one of its buttons): when
    the form is valid and the service ``call(cleaned_data)`` succeeds, say so (``success``, or
    ``success(result)``) and go ``back`` (a URL). Otherwise ``refused(form)`` answers, showing
    the faults beside the form; by default, back, with each fault as a message naming its
    field."""
    if form.is_valid():
        data = form.cleaned_data
        done = apply_service(form, lambda: call(data))
        if done is not None:
            messages.success(request, str(success(done) if callable(success) else success))
            return redirect(back)
    if refused is not None:
        return refused(form)
    flash_errors(request, form)
    return redirect(back)


def import_view(*, perm: Perm, title: Any, required: Sequence[str], optional: Sequence[str],
                run: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """The page that imports a CSV file through a service, ``run(actor=, data=,
    skip_invalid=)``, for those who hold ``perm``: the columns it reads, then what it did, or
    every fault it found, each naming its row. ``title`` is translatable."""

    @perm_required(perm)
    @require_http_methods(["GET", "POST"])
    def import_file(request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST or None, request.FILES or None)
        context: dict[str, Any] = {"form": form, "title": str(title),
                                   "columns": {"required": required, "optional": optional}}
        if request.method == "POST" and form.is_valid():
            try:
                context["report"] = report = run(
                    actor=request.user, data=form.cleaned_data["file"].read(),
                    skip_invalid=form.cleaned_data["skip_invalid"])
            except ValidationFailed as exc:
                context.update(errors=exc.errors, message=exc.message)
                return render(request, "core/import.html", context, status=400)
            counts = {"created": report.created, "updated": report.updated,
                      "unchanged": getattr(report, "unchanged", 0), "skipped": report.skipped}
            if counts["unchanged"]:
                # An import that tells a record that already says the same apart (personnel,
                # training completions) leaves it alone and counts it.
                messages.success(request, _("%(created)d created, %(updated)d updated, "
                                            "%(unchanged)d unchanged, %(skipped)d rows "
                                            "skipped.") % counts)
            else:
                messages.success(request, _("%(created)d created, %(updated)d updated, "
                                            "%(skipped)d rows skipped.") % counts)
        return render(request, "core/import.html", context)

    return import_file


def map_tiles() -> dict[str, str]:
    """The tile server a map page draws on, if one is configured (else the offline basemap)."""
    return {"tile_url": settings.VIGIL_MAP_TILE_URL,
            "tile_attribution": settings.VIGIL_MAP_TILE_ATTRIBUTION}


def map_page(request: HttpRequest, template: str, *, filters: forms.Form,
             **context: Any) -> HttpResponse:
    """A map of a filtered list: the list's filters, the query its GeoJSON is fetched with,
    and the tiles."""
    return render(request, template, {"filters": filters, "query": request.GET.urlencode(),
                                      **map_tiles(), **context})


def geojson(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, content_type="application/geo+json")


def flash_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """A small form posted from a larger page: its faults, as messages on the page it returns
    to, each with its field's label."""
    for field, errors in form.errors.items():
        for error in errors:
            label = form.fields[field].label if field in form.fields else None
            messages.error(request, f"{label}: {error}" if label else str(error))
