"""What the pages of risk's versioned documents share (assessments, security plans, MOSS): an
action posted with the document's version, the removal of one of its rows, and the review's
moves as a view."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from vigil.core.errors import NotFound
from vigil.core.views_support import RowPage, flash_errors, submit_form
from vigil.risk import services
from vigil.risk.forms import SraActionForm


def versioned_action(request: HttpRequest, document: Model,
                     call: Callable[[dict[str, Any]], Any], *, message: Any, detail_url: str,
                     refused: Callable[[SraActionForm], HttpResponse]) -> HttpResponse:
    """An action posted from a document's page with the version read there (and a comment):
    done, back to the page with ``message``; refused, ``refused(form)`` answers with the
    form's faults."""
    return submit_form(request, SraActionForm(request.POST), call, success=message,
                       back=reverse(detail_url, args=[document.pk]), refused=refused)


def back_with_faults(request: HttpRequest, detail_url: str,
                     document: Model) -> Callable[[SraActionForm], HttpResponse]:
    """A refusal answered on the document's page itself: its faults as messages."""

    def refused(form: SraActionForm) -> HttpResponse:
        flash_errors(request, form)
        return redirect(detail_url, pk=document.pk)

    return refused


def row_remover(rows: RowPage, *, remove: Callable[..., Any], message: Any,
                refused: Callable[[HttpRequest, Any, SraActionForm], HttpResponse] | None = None,
                ) -> Callable[..., HttpResponse]:
    """The view that removes one row of a document (the rows of ``rows``, a RowPage), with
    the document's version: ``remove(actor=, <parent_name>=, <row_name>=, version=)``. Refused,
    ``refused(request, document, form)`` answers; by default the document's page, with the
    faults as messages."""

    @login_required
    @require_POST
    def remove_row(request: HttpRequest, pk: int, **row_pk: int) -> HttpResponse:
        document = rows.get(user=request.user, pk=pk)
        row = get_object_or_404(getattr(document, rows.rows), pk=row_pk[f"{rows.row_name}_pk"])
        return versioned_action(
            request, document, lambda data: remove(
                actor=request.user, version=data["version"],
                **{rows.parent_name: document, rows.row_name: row}),
            message=message, detail_url=rows.detail_url,
            refused=(lambda form: refused(request, document, form)) if refused
            else back_with_faults(request, rows.detail_url, document))

    return remove_row


def review_action(*, transitions: Mapping[str, Any], get: Callable[..., Model],
                  transition: Callable[..., Model], name: str, message: Any, detail_url: str,
                  page: Callable[[HttpRequest, Any, SraActionForm, str], HttpResponse],
                  ) -> Callable[..., HttpResponse]:
    """The view of one move of a document's review (submit, approve, endorse, return): the
    service ``transition(actor=, <name>=, action=, version=, comment=)`` decides; a refused
    move shows the document's page again, ``page(request, document, form, action)``.
    ``message`` is translatable, with %(action)s."""

    @login_required
    @require_POST
    def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if action not in transitions:
            raise NotFound()
        document = get(user=request.user, pk=pk)
        return versioned_action(
            request, document, lambda data: transition(
                actor=request.user, action=action, version=data["version"],
                comment=data["comment"], **{name: document}),
            message=message % {"action": services.REVIEW_ACTION_LABELS[action]},
            detail_url=detail_url, refused=lambda form: page(request, document, form, action))

    return act
