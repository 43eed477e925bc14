"""Retention of closed counselling cases (found by vigil.core.retention).

A case closed or declined more than VIGIL_COUNSELLING_RETENTION_DAYS ago loses its content:
the request, the closure note, the reason declined, the preferred language, the note of the
first contact, and its follow-up sessions. What the counts read stays: the case's status, its
dates, where it is counted (country, duty station, organization), whom the incident affected,
and the first contact's time and mode, on which SP2.2.a.iii (the share of affected staff who
received psychological first aid) stands."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from vigil.core import retention
from vigil.wellbeing.models import Case, Contact, Session

_CONTENT = (~Q(request_note="") | ~Q(closure_note="") | ~Q(declined_reason="")
            | ~Q(preferred_language="")
            | Exists(Session.objects.filter(case=OuterRef("pk")))
            | Exists(Contact.objects.filter(case=OuterRef("pk")).exclude(note="")))


def cases_apply(*, now: dt.datetime, dry_run: bool) -> dict[str, int]:
    expired = Case.objects.filter(status__in=[Case.Status.CLOSED, Case.Status.DECLINED],
                                  closed_at__lt=retention.counselling_cutoff(now))
    stripped = expired.filter(_CONTENT)
    if dry_run:
        return {"cases": stripped.count()}
    ids = list(stripped.values_list("pk", flat=True))
    Session.objects.filter(case_id__in=ids).delete()
    Contact.objects.filter(case_id__in=ids).update(note="")
    Case.objects.filter(pk__in=ids).update(request_note="", closure_note="", declined_reason="",
                                           preferred_language="")
    return {"cases": len(ids)}


retention.register("wellbeing", cases_apply)
