"""Entry events at headquarters premises: every pass read at a gate (granted or denied, with
the reason), every tailgating or forced entry an officer reports; the gate controllers'
exports they are imported from, with the column mapping of each controller; and the
unauthorized entries found among them, each of which becomes an incident.

An event is kept once: the controller's own event id (or, when its export has none, a hash of
the row's mapped values) is unique per premises, so importing the same export twice adds
nothing. Counting unauthorized entries (indicator SP1.a.ii of the programme's results
framework) reads UnauthorizedEntry by ``occurred_at`` and premises."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.models import TimestampedModel, VersionedModel
from vigil.hq.access_rules import Refusal
from vigil.hq.gate_rules import DEFAULT_THRESHOLDS, Rule
from vigil.hq.models.access import PREMISES_SCOPE, STATION_SCOPE, Gate, Pass
from vigil.incidents.models import Incident
from vigil.places.models import DutyStation, Premises, validate_time_zone

__all__ = ["ColumnMapping", "EntryDirection", "EntryEvent", "EntryImport", "EntryKind",
           "EntryReason", "EntryResult", "EntryRuleSettings", "EntrySource",
           "UnauthorizedEntry"]


class EntryResult(models.TextChoices):
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")


class EntryDirection(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class EntryKind(models.TextChoices):
    PASS_READ = "pass_read", _("Pass read")
    TAILGATING = "tailgating", _("Tailgating reported")
    FORCED = "forced_entry", _("Forced entry reported")


class EntrySource(models.TextChoices):
    IMPORT = "import", _("Controller import")
    SCAN = "scan", _("Gate scan")
    REPORT = "report", _("Officer report")


class EntryReason(models.TextChoices):
    """Why a gate refused a pass: Vigil's own reasons first (the values of
    hq.access_rules.Refusal, with the same words), then what controllers report that Vigil
    does not decide itself."""

    UNKNOWN_PASS = Refusal.UNKNOWN.value, _("Unknown pass")
    REVOKED = Refusal.REVOKED.value, _("Pass revoked")
    SUSPENDED = Refusal.SUSPENDED.value, _("Pass suspended")
    NOT_YET_VALID = Refusal.NOT_YET_VALID.value, _("Pass not yet valid")
    EXPIRED = Refusal.EXPIRED.value, _("Pass expired")
    WRONG_STATION = Refusal.WRONG_STATION.value, _("Pass valid at another duty station")
    ZONE = Refusal.ZONE.value, _("Zone not on the pass")
    ANTI_PASSBACK = "anti_passback", _("Anti-passback")
    INVALID_PIN = "invalid_pin", _("Wrong PIN")
    OUTSIDE_SCHEDULE = "outside_schedule", _("Outside the pass's schedule")
    DOOR_FORCED = "door_forced", _("Door forced")
    DOOR_HELD = "door_held", _("Door held open")
    DURESS = "duress", _("Duress code")
    OTHER = "other", _("Other reason")


REASON_CODES = frozenset(EntryReason.values)


class ColumnMapping(VersionedModel):
    """How one gate controller writes its CSV export: which column holds what, how it writes
    times, and which of its words mean granted, denied and each reason. Named per duty station
    (``vigil import_entries --mapping <name>``)."""

    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="entry_mappings",
                                     verbose_name=_("duty station"))
    name = models.SlugField(_("name"), max_length=40,
                            help_text=_("A short name, e.g. lenel-main-lobby."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    time_column = models.CharField(_("time column"), max_length=60)
    time_format = models.CharField(
        _("time format"), max_length=60, blank=True,
        help_text=_("As Python's strftime writes it, e.g. %d/%m/%Y %H:%M:%S. Empty: ISO 8601."))
    time_zone = models.CharField(
        _("time zone of the file's times"), max_length=64, blank=True,
        validators=[validate_time_zone],
        help_text=_("Empty: the duty station's time zone. A time that names its own offset "
                    "keeps it."))
    gate_column = models.CharField(_("gate column"), max_length=60)
    pass_column = models.CharField(_("pass number column"), max_length=60)
    result_column = models.CharField(_("result column"), max_length=60)
    granted_values = models.CharField(
        _("values meaning granted"), max_length=200,
        help_text=_("Comma-separated, compared without case, e.g. GRANTED, OK, 1."))
    denied_values = models.CharField(
        _("values meaning denied"), max_length=200,
        help_text=_("Comma-separated, compared without case, e.g. DENIED, REJECT, 0."))
    reason_column = models.CharField(_("reason column"), max_length=60, blank=True)
    reason_values = models.JSONField(
        _("reason values"), default=dict, blank=True,
        help_text=_("The controller's reason → Vigil's reason code."))
    event_id_column = models.CharField(
        _("event id column"), max_length=60, blank=True,
        help_text=_("Empty when the export has none: a hash of each row's values is used."))
    direction_column = models.CharField(_("direction column"), max_length=60, blank=True)
    in_values = models.CharField(_("values meaning entry (in)"), max_length=100, blank=True,
                                 default="in")
    out_values = models.CharField(_("values meaning exit (out)"), max_length=100, blank=True,
                                  default="out")

    scope_paths: ClassVar = STATION_SCOPE

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["duty_station__name", "name"]
        constraints = [models.UniqueConstraint(fields=["duty_station", "name"],
                                               name="entry_mapping_name_unique")]

    def __str__(self) -> str:
        return self.name


class EntryImport(TimestampedModel):
    """One controller export imported (or checked): the file, who, and what came of it."""

    premises = models.ForeignKey(Premises, on_delete=models.PROTECT,
                                 related_name="entry_imports", verbose_name=_("premises"))
    mapping = models.ForeignKey(ColumnMapping, on_delete=models.PROTECT,
                                related_name="imports", verbose_name=_("column mapping"))
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("imported by"))
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("events added"), default=0)
    duplicates = models.PositiveIntegerField(_("already imported"), default=0)
    skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    unauthorized = models.PositiveIntegerField(_("unauthorized entries found"), default=0)
    errors = models.JSONField(_("faults"), default=list, blank=True)

    scope_paths: ClassVar = PREMISES_SCOPE

    class Meta:
        verbose_name = _("entry import")
        verbose_name_plural = _("entry imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.premises} · {self.file_name or self.sha256[:12]}"


class EntryRuleSettings(VersionedModel):
    """The thresholds of the unauthorized-entry rules at one duty station. A station without
    a row uses the defaults (gate_rules.DEFAULT_THRESHOLDS)."""

    duty_station = models.OneToOneField(DutyStation, on_delete=models.PROTECT,
                                        related_name="entry_rule_settings",
                                        verbose_name=_("duty station"))
    denied_threshold = models.PositiveSmallIntegerField(
        _("denied attempts"), default=DEFAULT_THRESHOLDS.denied_attempts,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text=_("This many denied attempts with one pass number make an unauthorized "
                    "entry…"))
    denied_window_minutes = models.PositiveSmallIntegerField(
        _("within minutes"), default=DEFAULT_THRESHOLDS.window_minutes,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("…when they fall within this many minutes."))
    denied_rule = models.BooleanField(_("raise repeated denials"), default=True)
    tailgating_rule = models.BooleanField(_("raise tailgating reports"), default=True)
    forced_rule = models.BooleanField(_("raise forced entry reports"), default=True)
    invalid_pass_rule = models.BooleanField(_("raise use of expired or revoked passes"),
                                            default=True)

    scope_paths: ClassVar = STATION_SCOPE

    class Meta:
        verbose_name = _("unauthorized-entry rules")
        verbose_name_plural = _("unauthorized-entry rules")

    def __str__(self) -> str:
        return str(self.duty_station)


class UnauthorizedEntry(VersionedModel):
    """An unauthorized entry, or attempt, found by one of the rules (gate_rules.Rule) among
    the entry events of a premises, with the incident recorded for it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Reviewed and closed")

    premises = models.ForeignKey(Premises, on_delete=models.PROTECT,
                                 related_name="unauthorized_entries",
                                 verbose_name=_("premises"))
    rule = models.CharField(_("rule"), max_length=16, choices=[(r.value, r.label) for r in Rule])
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="unauthorized_entries", verbose_name=_("gate"))
    pass_number = models.CharField(_("pass number"), max_length=40, blank=True)
    occurred_at = models.DateTimeField(_("first event"), db_index=True)
    last_at = models.DateTimeField(_("last event"))
    events_count = models.PositiveIntegerField(_("events"), default=0)
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="unauthorized_entry",
                                    verbose_name=_("incident"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.OPEN)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    scope_paths: ClassVar = PREMISES_SCOPE

    class Meta:
        verbose_name = _("unauthorized entry")
        verbose_name_plural = _("unauthorized entries")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["premises", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_rule_display()}"

    @property
    def reference(self) -> str:
        return f"UE-{self.pk:06d}" if self.pk else "UE-new"


class EntryEvent(TimestampedModel):
    """One event at a gate: a pass read (granted or denied, with the reason), or a tailgating
    or forced entry an officer reported. ``pass_number`` is the number read, kept even when it
    names no pass Vigil knows. ``pass_refusal`` is Vigil's own check of the pass at that
    moment (hq.access_rules), whatever the controller decided."""

    premises = models.ForeignKey(Premises, on_delete=models.PROTECT,
                                 related_name="entry_events", verbose_name=_("premises"))
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="entry_events", verbose_name=_("gate"))
    occurred_at = models.DateTimeField(_("time"))
    pass_obj = models.ForeignKey(Pass, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="entry_events", verbose_name=_("pass"))
    pass_number = models.CharField(_("pass number read"), max_length=40, blank=True)
    direction = models.CharField(_("direction"), max_length=3, blank=True,
                                 choices=EntryDirection.choices)
    # A pass read is granted or denied; an officer's report has no result.
    result = models.CharField(_("result"), max_length=8, blank=True,
                              choices=EntryResult.choices)
    reason = models.CharField(_("reason"), max_length=20, blank=True,
                              choices=EntryReason.choices)
    pass_refusal = models.CharField(_("Vigil's check of the pass"), max_length=20, blank=True,
                                    choices=[(r.value, r.label) for r in Refusal])
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices,
                            default=EntryKind.PASS_READ)
    source = models.CharField(_("source"), max_length=8, choices=EntrySource.choices)
    description = models.TextField(_("description"), blank=True)
    # The controller's event id, or a hash of the row's values: an event is kept once.
    external_id = models.CharField(_("event id"), max_length=80)
    batch = models.ForeignKey(EntryImport, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="events", verbose_name=_("import"))
    unauthorized_entry = models.ForeignKey(UnauthorizedEntry, on_delete=models.SET_NULL,
                                           null=True, blank=True, related_name="events",
                                           verbose_name=_("unauthorized entry"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    scope_paths: ClassVar = PREMISES_SCOPE

    class Meta:
        verbose_name = _("entry event")
        verbose_name_plural = _("entry events")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["premises", "external_id"],
                                    name="entry_event_once_per_premises"),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.PASS_READ, result__in=EntryResult.values)
                | (~Q(kind=EntryKind.PASS_READ) & Q(source=EntrySource.REPORT, result="")),
                name="entry_event_read_has_result_report_has_none",
                violation_error_message=_("A pass read is granted or denied; tailgating and "
                                          "forced entry are reported by an officer.")),
        ]
        indexes = [
            models.Index(fields=["premises", "occurred_at"]),
            models.Index(fields=["gate", "occurred_at"]),
            models.Index(fields=["premises", "pass_number", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.premises} · {self.occurred_at:%Y-%m-%d %H:%M} · {self.result}"
