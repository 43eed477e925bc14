"""Shared plumbing of HTML pages: lists with search, sort, pagination and export; forms that
call a service and show its faults beside the fields."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, has_perm_anywhere, require, visible
from vigil.core.errors import DomainError, Forbidden, StaleVersion, ValidationFailed

T = TypeVar("T")
PAGE_SIZE = 50
EXPORT_LIMIT = 100_000

Column = tuple[Any, Callable[[Any], Any]]
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


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


def _cell(value: Any) -> Any:
    """One exported value, for CSV and XLSX alike: numbers stay numbers, and text that a
    spreadsheet would run as a formula is written as text, behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
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
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
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

    ``create(actor, data, form)`` and ``update(actor, obj, data, version, form)`` call the
    app's services; ``fixed`` fields are shown but cannot change once the record exists."""

    form_class: type[forms.ModelForm]  # type: ignore[type-arg]
    perm: Perm
    template: str
    context_name: str
    detail_url: str
    saved_message: Any  # translatable, with %(name)s
    create: Callable[..., Model]
    update: Callable[..., Model]
    fixed: tuple[str, ...] = ()

    def respond(self, request: HttpRequest, obj: Model | None, *,
                may_create: bool | None = None, form_kwargs: dict[str, Any] | None = None,
                context: dict[str, Any] | None = None) -> HttpResponse:
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
            fields = [f for f in (self.form_class._meta.fields or [])
                      if obj is None or f not in self.fixed]
            data = changed_data(form, fields)
            version = form.cleaned_data.get("version")
            saved = apply_service(form, lambda: (
                self.create(request.user, data, form) if obj is None
                else self.update(request.user, obj, data, version, form)))
            if saved is not None:
                messages.success(request, self.saved_message % {"name": saved})
                return redirect(self.detail_url, pk=saved.pk)
        return render(request, self.template,
                      {"form": form, self.context_name: obj, **(context or {})})


def flash_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """A small form posted from a larger page: its faults, as messages on the page it returns
    to, each with its field's label."""
    for field, errors in form.errors.items():
        for error in errors:
            label = form.fields[field].label if field in form.fields else None
            messages.error(request, f"{label}: {error}" if label else str(error))
