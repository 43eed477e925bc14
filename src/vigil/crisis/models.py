"""Crisis management: crisis events and their zones, the accountability headcount, mass
notification with personal check-in links and their delivery, scheduled check-ins, and CAP
alerts received."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.core.netguard import validate_public_url
from vigil.crisis.rules import AccountStatus as AccountStatus  # its home is rules; kept here too
from vigil.incidents.models import Incident
from vigil.people.models import Dependant, Organization, Person
from vigil.places.models import (
    LATITUDE_VALIDATORS,
    LONGITUDE_VALIDATORS,
    Country,
    DutyStation,
    SecurityArea,
)


class CrisisSettings(VersionedModel):
    """The delays of notification and check-in, one row."""

    reminder_minutes = models.PositiveIntegerField(
        _("remind non-responders after (minutes)"), default=60,
        validators=[MinValueValidator(5)])
    link_hours = models.PositiveIntegerField(
        _("check-in links valid for (hours)"), default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)])
    checkin_level = models.PositiveSmallIntegerField(
        _("scheduled check-ins from security level"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(6)])
    checkin_hours = models.PositiveIntegerField(
        _("scheduled check-in every (hours)"), default=24,
        validators=[MinValueValidator(1)])
    checkin_grace_minutes = models.PositiveIntegerField(
        _("escalate a missed check-in after (minutes)"), default=120,
        validators=[MinValueValidator(5)])
    max_attempts = models.PositiveSmallIntegerField(
        _("delivery attempts"), default=6, validators=[MinValueValidator(1),
                                                       MaxValueValidator(20)])
    # Seconds before the first retry; each later retry waits twice as long as the one before.
    retry_base_seconds = models.PositiveIntegerField(_("first retry after (seconds)"), default=30)
    # A chunk of sends renews its lease every third of it while it works, so the lease can be
    # short: a dead worker's chunk is taken over by the sweep (every 30 s) within a minute.
    lease_seconds = models.PositiveIntegerField(
        _("a send in progress is presumed dead after (seconds)"), default=20,
        validators=[MinValueValidator(5)])
    timely_activation_hours = models.PositiveIntegerField(
        _("crisis management activated in time within (hours)"), default=6,
        validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("crisis settings")
        verbose_name_plural = _("crisis settings")

    def __str__(self) -> str:
        return f"crisis settings v{self.version}"

    @classmethod
    def load(cls) -> CrisisSettings:
        """The settings in force: the one row, made with the defaults when missing."""
        found, _created = cls.objects.get_or_create(pk=1)
        return found


class Crisis(VersionedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class ZoneKind(models.TextChoices):
        CIRCLE = "circle", _("Circle around a point")
        POLYGON = "polygon", _("Polygon (GeoJSON)")
        AREAS = "areas", _("Security areas")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("situation"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="crises", verbose_name=_("triggering incident"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="crises",
                                verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="crises",
                                      verbose_name=_("security area"))
    # SP2.1.b.ii: the time from the triggering incident to activation.
    incident_at = models.DateTimeField(_("incident time"))
    activated_at = models.DateTimeField(_("activated at"), db_index=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("declared by"))
    zone_kind = models.CharField(_("zone"), max_length=8, choices=ZoneKind.choices)
    center_latitude = models.FloatField(_("centre latitude"), null=True, blank=True,
                                        validators=LATITUDE_VALIDATORS)
    center_longitude = models.FloatField(_("centre longitude"), null=True, blank=True,
                                         validators=LONGITUDE_VALIDATORS)
    radius_km = models.FloatField(_("radius (km)"), null=True, blank=True,
                                  validators=[MinValueValidator(0.1), MaxValueValidator(2000)])
    polygon = models.JSONField(_("polygon"), null=True, blank=True)
    areas = models.ManyToManyField(SecurityArea, blank=True, related_name="crisis_zones",
                                   verbose_name=_("security areas"))
    window_start = models.DateTimeField(_("people present from"))
    window_end = models.DateTimeField(_("people present until"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))
    closure_note = models.TextField(_("closure note"), blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.SECURITY_AREA: "security_area"}

    class Meta:
        verbose_name = _("crisis")
        verbose_name_plural = _("crises")
        ordering = ["-activated_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")),
                                   name="crisis_window_ends_after_start"),
            models.CheckConstraint(condition=Q(activated_at__gte=models.F("incident_at")),
                                   name="crisis_activated_after_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"CR-{self.pk:05d}" if self.pk else "CR-new"

    @property
    def activation_delay(self) -> float:
        """Hours from the incident to activation (SP2.1.b.ii)."""
        return (self.activated_at - self.incident_at).total_seconds() / 3600


class CrisisMember(TimestampedModel):
    class Role(models.TextChoices):
        LEAD = "lead", _("Crisis lead")
        MEMBER = "member", _("Team member")
        WARDEN = "warden", _("Warden")

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="members",
                               verbose_name=_("crisis"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="crisis_memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    duty = models.CharField(_("duty"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("crisis team member")
        verbose_name_plural = _("crisis team")
        ordering = ["role", "pk"]
        constraints = [models.UniqueConstraint(fields=["crisis", "user"],
                                               name="crisis_member_once")]

    def __str__(self) -> str:
        return f"{self.crisis.reference}: {self.user} ({self.role})"


class LogEntry(models.Model):
    """The crisis's running log: append-only, in time order."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        DECISION = "decision", _("Decision")
        SYSTEM = "system", _("Recorded by Vigil")

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="log",
                               verbose_name=_("crisis"))
    at = models.DateTimeField(_("time"), db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("author"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("entry"))

    class Meta:
        verbose_name = _("crisis log entry")
        verbose_name_plural = _("crisis log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:60]}"


class AccountEntry(VersionedModel):
    """One person in a crisis's headcount: presumed in the zone, or added when found later."""

    class Basis(models.TextChoices):
        TRANSIT = "transit", _("In transit")
        STAY = "stay", _("On a trip")
        RESIDENCE = "residence", _("Residence")
        DUTY_STATION = "duty_station", _("Duty station")
        ADDED = "added", _("Added later")

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="entries",
                               verbose_name=_("crisis"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="crisis_entries",
                               verbose_name=_("staff member"))
    dependant = models.ForeignKey(Dependant, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="crisis_entries", verbose_name=_("dependant"))
    # Copied at the snapshot so that the board groups without joins and keeps its history.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("duty station"))
    place = models.CharField(_("presumed at"), max_length=200, blank=True)
    basis = models.CharField(_("basis"), max_length=12, choices=Basis.choices)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AccountStatus.choices,
                              default=AccountStatus.UNKNOWN, db_index=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)
    status_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("status set by"))
    via_checkin = models.BooleanField(_("answered by the person"), default=False)
    reported_latitude = models.FloatField(_("reported latitude"), null=True, blank=True,
                                          validators=LATITUDE_VALIDATORS)
    reported_longitude = models.FloatField(_("reported longitude"), null=True, blank=True,
                                           validators=LONGITUDE_VALIDATORS)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "crisis__country",
                             ScopeKind.SECURITY_AREA: "crisis__security_area",
                             ScopeKind.DUTY_STATION: "duty_station",
                             ScopeKind.ORGANIZATION: "organization"}

    class Meta:
        verbose_name = _("headcount entry")
        verbose_name_plural = _("headcount")
        ordering = ["person__family_name", "person__given_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["crisis", "person"],
                                    condition=Q(dependant__isnull=True),
                                    name="account_staff_once"),
            models.UniqueConstraint(fields=["crisis", "dependant"],
                                    condition=Q(dependant__isnull=False),
                                    name="account_dependant_once"),
        ]
        indexes = [models.Index(fields=["crisis", "status"]),
                   models.Index(fields=["crisis", "organization"]),
                   models.Index(fields=["crisis", "updated_at"]),
                   # A household's entries (a staff member's and their dependants').
                   models.Index(fields=["crisis", "person"])]

    def __str__(self) -> str:
        return f"{self.crisis.reference}: {self.dependant or self.person}"


class AccountEvent(models.Model):
    """A status given to a headcount entry: the entry's history."""

    entry = models.ForeignKey(AccountEntry, on_delete=models.CASCADE, related_name="events",
                              verbose_name=_("headcount entry"))
    at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=10, choices=AccountStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))
    via_checkin = models.BooleanField(_("answered by the person"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("headcount status change")
        verbose_name_plural = _("headcount status changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.status}"


class WebhookEndpoint(VersionedModel):
    """An HTTP endpoint that relays messages: an SMS gateway, a chat bridge. Each POST is
    signed with HMAC-SHA256 over the body with the shared secret."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("address"), max_length=500,
                          validators=[validate_public_url])
    secret = models.CharField(_("shared secret"), max_length=200)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Broadcast(TimestampedModel):
    """A message sent to a set of people. Each recipient and channel gets a Delivery, written
    before anything is sent."""

    class Kind(models.TextChoices):
        BROADCAST = "broadcast", _("Broadcast")
        REMINDER = "reminder", _("Reminder")
        CHECKIN = "checkin", _("Scheduled check-in")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices,
                            default=Kind.BROADCAST)
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="broadcasts", verbose_name=_("crisis"))
    reminder_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reminders", verbose_name=_("reminder of"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    email = models.BooleanField(_("e-mail"), default=True)
    webhooks = models.ManyToManyField(WebhookEndpoint, blank=True, related_name="broadcasts",
                                      verbose_name=_("webhooks"))
    with_checkin = models.BooleanField(_("ask for a check-in"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("sent by"))
    remind_after = models.PositiveIntegerField(_("remind after (minutes)"), null=True,
                                               blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "crisis__country",
                             ScopeKind.SECURITY_AREA: "crisis__security_area"}

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"MSG-{self.pk:06d}" if self.pk else "MSG-new"

    @property
    def resent(self) -> int:
        """How many of its messages were sent again after a send whose worker died (the first
        copy may have reached the server: the same Message-ID and Idempotency-Key let the
        receiving side drop it)."""
        return int(self.deliveries.aggregate(n=models.Sum("resends"))["n"] or 0)


class Delivery(models.Model):
    """One message to one recipient on one channel. Written before sending; a send takes a
    lease (status SENDING, lease_until) so that a worker that dies mid-send leaves a row that
    another worker takes over once the lease ends, and a row SENT is never sent again."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("No address")

    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True,
                           editable=False)
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE,
                                  related_name="deliveries", verbose_name=_("broadcast"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("recipient"))
    entry = models.ForeignKey(AccountEntry, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="deliveries", verbose_name=_("headcount entry"))
    checkin = models.ForeignKey("ScheduledCheckIn", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="deliveries",
                                verbose_name=_("scheduled check-in"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="deliveries",
                                 verbose_name=_("webhook"))
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(_("sending until"), null=True, blank=True)
    # The chunk that holds the lease: its rows are marked sent only by it.
    claim = models.UUIDField(_("claimed by"), null=True, blank=True, editable=False)
    # Sends again after a worker died mid-send: the server may have accepted the first copy.
    resends = models.PositiveSmallIntegerField(_("resends"), default=0, db_default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "person", "channel"],
                                    condition=Q(endpoint__isnull=True),
                                    name="delivery_once_per_channel"),
            models.UniqueConstraint(fields=["broadcast", "person", "endpoint"],
                                    condition=Q(endpoint__isnull=False),
                                    name="delivery_once_per_webhook"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["broadcast", "status"]),
                   models.Index(fields=["claim"])]

    def __str__(self) -> str:
        return f"{self.broadcast.reference} → {self.address or self.person_id} ({self.status})"


class ScheduledCheckIn(models.Model):
    """A check-in asked of a traveller in a high-level area; missed, it goes to the area's
    security officer."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT,
                               related_name="scheduled_checkins", verbose_name=_("traveller"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("security area"))
    level = models.PositiveSmallIntegerField(_("security level"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=AccountStatus.choices,
                              blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    reported_latitude = models.FloatField(_("reported latitude"), null=True, blank=True,
                                          validators=LATITUDE_VALIDATORS)
    reported_longitude = models.FloatField(_("reported longitude"), null=True, blank=True,
                                           validators=LONGITUDE_VALIDATORS)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "security_area__country",
                             ScopeKind.SECURITY_AREA: "security_area"}
    owner_path: ClassVar = "person__user"

    class Meta:
        verbose_name = _("scheduled check-in")
        verbose_name_plural = _("scheduled check-ins")
        ordering = ["-due_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["person", "due_at"],
                                               name="checkin_once_per_time")]
        indexes = [models.Index(fields=["answered_at", "escalated_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.person} {self.due_at:%Y-%m-%d %H:%M}"


class CapFeed(VersionedModel):
    """A CAP feed polled for alerts (an Atom or RSS feed of CAP messages, or one message)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("address"), max_length=500,
                          validators=[validate_public_url])
    # The country of an alert of this feed that neither its areas nor its authority place.
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("country"))
    active = models.BooleanField(_("polled"), default=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("CAP feed")
        verbose_name_plural = _("CAP feeds")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CapAlert(TimestampedModel):
    """A CAP 1.2 message received, kept as received, and the incident it became."""

    sender = models.CharField(_("sender"), max_length=200)
    identifier = models.CharField(_("identifier"), max_length=200)
    sent = models.DateTimeField(_("sent"))
    status = models.CharField(_("status"), max_length=12)
    msg_type = models.CharField(_("message type"), max_length=12)
    scope = models.CharField(_("scope"), max_length=12)
    event = models.CharField(_("event"), max_length=200, blank=True)
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    urgency = models.CharField(_("urgency"), max_length=12, blank=True)
    severity = models.CharField(_("severity"), max_length=12, blank=True)
    certainty = models.CharField(_("certainty"), max_length=12, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    area_description = models.TextField(_("area"), blank=True)
    # The areas as GeoJSON (RFC 7946): polygons, and circles as centre and radius.
    geometry = models.JSONField(_("area geometry"), null=True, blank=True)
    circles = models.JSONField(_("circles"), default=list, blank=True)
    # What Vigil had to fix in the areas to use them (a polygon crossing itself made valid).
    notes = models.TextField(_("notes on the geometry"), blank=True)
    xml = models.TextField(_("message as received"))
    feed = models.ForeignKey(CapFeed, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="alerts", verbose_name=_("feed"))
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="cap_alert",
                                    verbose_name=_("incident"))

    class Meta:
        verbose_name = _("CAP alert received")
        verbose_name_plural = _("CAP alerts received")
        ordering = ["-sent", "-pk"]
        constraints = [models.UniqueConstraint(fields=["sender", "identifier"],
                                               name="cap_alert_once")]

    def __str__(self) -> str:
        return f"{self.sender} {self.identifier}"
