"""Personal check-in links: a signed token in each message lets its recipient answer "I am
safe" or "I need help" from a phone without signing in. The token names the delivery, is signed
with the site's secret (django.core.signing, its own salt) and expires after the configured
hours; the answer changes the person's headcount status, or answers their scheduled check-in,
at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, users_with_perm
from vigil.core.errors import DomainError, FieldError, ValidationFailed
from vigil.core.i18n import Msg
from vigil.core.services import notify
from vigil.crisis.headcount import checkin_status
from vigil.crisis.models import (
    AccountEntry,
    AccountStatus,
    Crisis,
    CrisisSettings,
    Delivery,
    ScheduledCheckIn,
)
from vigil.crisis.rules import ANSWERS
from vigil.crisis.selectors import households

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser
    from vigil.people.models import Person

SALT = "vigil.crisis.checkin"


class LinkInvalid(DomainError):
    status = 404
    code = "checkin_link_invalid"


class LinkExpired(DomainError):
    status = 410
    code = "checkin_link_expired"


def token(delivery: Delivery) -> str:
    return str(signing.dumps(delivery.pk, salt=SALT))


def link(delivery: Delivery) -> str:
    return f"{settings.VIGIL_BASE_URL}{reverse('checkin', args=[token(delivery)])}"


@dataclass
class Target:
    delivery: Delivery
    crisis: Crisis | None
    entry: AccountEntry | None
    checkin: ScheduledCheckIn | None

    @property
    def person(self) -> Person:
        return self.delivery.person

    def household(self) -> list[AccountEntry]:
        """The staff member's dependants on the same headcount, whom they may answer for."""
        if self.entry is None or self.entry.dependant_id is not None:
            return []
        return list(households(crisis_id=self.entry.crisis_id, people=[self.entry.person_id])
                    .filter(dependant__isnull=False).select_related("dependant"))

    @property
    def status(self) -> str:
        if self.entry is not None:
            return str(self.entry.status)
        return str(self.checkin.answer) if self.checkin is not None else ""


def resolve(value: str) -> Target:
    max_age = CrisisSettings.load().link_hours * 3600
    try:
        delivery_id = signing.loads(value, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired(_("This check-in link has expired. Reply to the message or call "
                            "your security officer.")) from None
    except signing.BadSignature:
        raise LinkInvalid(_("This check-in link is not valid.")) from None
    delivery = Delivery.objects.select_related(
        "person", "broadcast__crisis", "entry__dependant", "checkin").filter(
        pk=delivery_id).first()
    if delivery is None or (delivery.entry is None and delivery.checkin is None):
        raise LinkInvalid(_("This check-in link is not valid."))
    crisis = delivery.broadcast.crisis
    if crisis is not None and crisis.status != Crisis.Status.ACTIVE:
        raise LinkExpired(_("This crisis is closed; no answer is needed any more."))
    return Target(delivery=delivery, crisis=crisis, entry=delivery.entry,
                  checkin=delivery.checkin)


def _coordinates(lat: float | str | None,
                 lon: float | str | None) -> tuple[float | None, float | None]:
    if lat is None or lon is None or lat == "" or lon == "":
        return None, None
    try:
        a, b = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationFailed([FieldError("latitude", _(
            "The location could not be read."))]) from None
    if not (-90 <= a <= 90 and -180 <= b <= 180):
        raise ValidationFailed([FieldError("latitude", _(
            "The location could not be read."))])
    return a, b


@transaction.atomic
def answer(value: str, *, status: str, note: str = "", latitude: float | str | None = None,
           longitude: float | str | None = None,
           household: Iterable[int | str] = ()) -> Target:
    """Record the person's answer, and the same for the dependants they answer for (ids of
    their household's entries). Answering again replaces the earlier answer."""
    _require_answer(status)
    target = resolve(value)
    lat, lon = _coordinates(latitude, longitude)
    note = note.strip()[:500]
    if target.entry is not None:
        entry = AccountEntry.objects.select_for_update().get(pk=target.entry.pk)
        checkin_status(entry, answer=status, note=note, lat=lat, lon=lon)
        target.entry = entry
        wanted = {int(pk) for pk in household}
        for other in target.household():
            if other.pk in wanted:
                locked = AccountEntry.objects.select_for_update().get(pk=other.pk)
                checkin_status(locked, answer=status, note=note, lat=lat, lon=lon,
                               alarm_team=False)
    if target.checkin is not None:
        checkin_answer(target.checkin, status=status, note=note, lat=lat, lon=lon)
    return target


def _require_answer(status: str) -> None:
    if status not in ANSWERS:
        raise ValidationFailed([FieldError("status", _("Answer “I am safe” or “I need help”."))])


@transaction.atomic
def checkin_answer(checkin: ScheduledCheckIn, *, status: str, note: str,
                   lat: float | None, lon: float | None, actor: AnyUser | None = None) -> None:
    _require_answer(status)
    checkin.answered_at = timezone.now()
    checkin.answer = status
    checkin.note = note
    checkin.reported_latitude, checkin.reported_longitude = lat, lon
    checkin.save(update_fields=["answered_at", "answer", "note", "reported_latitude",
                                "reported_longitude"])
    audit.record(actor=actor, action="crisis.checkin.answer", obj=checkin,
                 changes={"answer": [None, status], "note": [None, note or None]})
    if status == AccountStatus.NEEDS_HELP:
        notify(users=users_with_perm(Perm.APPROVE_TRAVEL, checkin),
               subject=Msg(gettext_lazy("%(name)s needs help (scheduled check-in)"),
                           name=checkin.person),
               body=note, url=reverse("crisis:checkin_list"))
