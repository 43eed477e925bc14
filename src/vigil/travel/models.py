"""TRIP: travel requests and their itineraries, clearance, advisories, the security directory,
and the stored presences from which whereabouts are answered."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.people.models import Dependant, Person, validate_phone_list
from vigil.places.models import (
    LATITUDE_VALIDATORS,
    LONGITUDE_VALIDATORS,
    Country,
    DutyStation,
    SecurityArea,
    check_in_country,
    coordinate_constraints,
    validate_time_zone,
)
from vigil.travel import rules

ADVISORY_LEVEL_LABELS = {1: _("Exercise normal precautions"), 2: _("Exercise increased caution"),
                         3: _("Reconsider travel"), 4: _("Do not travel")}


class TravelSettings(VersionedModel):
    """The configurable thresholds of clearance and coverage, one row."""

    manual_level = models.PositiveSmallIntegerField(
        _("manual clearance from security level"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(6)])
    refusal_level = models.PositiveSmallIntegerField(
        _("refuse travel from security level"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)])
    advisory_level = models.PositiveSmallIntegerField(
        _("manual clearance from advisory level"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(4)])
    lead_days = models.PositiveSmallIntegerField(_("lead time in days"), default=7)
    approval_hours = models.PositiveSmallIntegerField(
        _("approval within (hours)"), default=48, validators=[MinValueValidator(1)])
    residence_days = models.PositiveSmallIntegerField(
        _("a confirmed residence counts for (days)"), default=365,
        validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("travel settings")
        verbose_name_plural = _("travel settings")

    def __str__(self) -> str:
        return f"travel settings v{self.version}"

    def policy(self) -> rules.Policy:
        return rules.Policy(manual_level=self.manual_level, refusal_level=self.refusal_level,
                            advisory_level=self.advisory_level, lead_days=self.lead_days)


class AreaControl(VersionedModel):
    """Movement control the designated official sets for a security area."""

    security_area = models.OneToOneField(SecurityArea, on_delete=models.CASCADE,
                                         related_name="travel_control",
                                         verbose_name=_("security area"))
    manual_clearance = models.BooleanField(_("manual clearance"), default=False)
    closed = models.BooleanField(_("closed to travel"), default=False)
    ssafe_required = models.BooleanField(_("SSAFE required"), default=False)
    max_visitors = models.PositiveIntegerField(_("most visitors at a time"), null=True,
                                               blank=True)
    movement_limits = models.TextField(_("movement limits"), blank=True, help_text=_(
        "Curfews, convoy rules, no-go areas: shown to every traveller going there."))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("set by"))

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "security_area__country",
                             ScopeKind.SECURITY_AREA: "security_area"}

    class Meta:
        verbose_name = _("area travel control")
        verbose_name_plural = _("area travel controls")

    def __str__(self) -> str:
        return str(self.security_area)

    def as_rule(self) -> rules.Control:
        return rules.Control(closed=self.closed, manual=self.manual_clearance,
                             ssafe_required=self.ssafe_required, max_visitors=self.max_visitors)


class AirOperator(VersionedModel):
    """A commercial air operator. Its suitability is the outcome of the assessment in force,
    which the aviation module keeps (with its basis and history) and writes here, so that
    clearance reads its own record."""

    class Suitability(models.TextChoices):
        NOT_ASSESSED = "not_assessed", _("Not assessed")
        SUITABLE = "suitable", _("Suitable")
        WITH_CONDITIONS = "with_conditions", _("Suitable with conditions")
        UNSUITABLE = "unsuitable", _("Not suitable")

    class CertificateState(models.TextChoices):
        UNKNOWN = "unknown", _("Not known")
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    name = models.CharField(_("name"), max_length=150)
    iata = models.CharField(_("IATA code"), max_length=2, blank=True, db_index=True)
    icao = models.CharField(_("ICAO code"), max_length=3, blank=True, db_index=True)
    callsign = models.CharField(_("call sign"), max_length=60, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("country"))
    is_active = models.BooleanField(_("operating"), default=True)
    source_id = models.CharField(_("source id"), max_length=20, blank=True)
    suitability = models.CharField(_("suitability"), max_length=16,
                                   choices=Suitability.choices, default=Suitability.NOT_ASSESSED)
    suitability_note = models.TextField(_("note on suitability"), blank=True,
                                        help_text=_("The conditions, when suitable with "
                                                    "conditions."))
    suitability_valid_until = models.DateField(
        _("suitability valid until"), null=True, blank=True,
        help_text=_("After this day the operator counts as not assessed."))
    aoc_state = models.CharField(_("air operator certificate"), max_length=12,
                                 choices=CertificateState.choices,
                                 default=CertificateState.UNKNOWN)
    fleet_notes = models.TextField(_("fleet notes"), blank=True)

    class Meta:
        verbose_name = _("air operator")
        verbose_name_plural = _("air operators")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["source_id"], condition=~Q(source_id=""),
                                               name="airoperator_source_id_unique")]

    def __str__(self) -> str:
        code = self.iata or self.icao
        return f"{self.name} ({code})" if code else self.name


class Advisory(VersionedModel):
    """A travel advisory (差旅咨询) for a country or one of its security areas."""

    class Source(models.TextChoices):
        UNDSS = "undss", _("UN Department of Safety and Security")
        US_STATE = "us_state", _("US Department of State")
        OTHER = "other", _("Other source")

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="advisories",
                                verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="advisories",
                                      verbose_name=_("security area"))
    level = models.PositiveSmallIntegerField(
        _("level"), choices=list(ADVISORY_LEVEL_LABELS.items()))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.UNDSS)
    source_url = models.URLField(_("source address"), blank=True, max_length=400)
    external_id = models.CharField(_("id at the source"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.SECURITY_AREA: "security_area"}

    class Meta:
        verbose_name = _("travel advisory")
        verbose_name_plural = _("travel advisories")
        ordering = ["country__name", "-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"],
                                    condition=~Q(external_id=""),
                                    name="advisory_external_id_unique_per_source"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4),
                                   name="advisory_level_1_to_4"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True)
                                   | Q(valid_until__gte=models.F("issued_on")),
                                   name="advisory_valid_after_issue"),
        ]
        indexes = [models.Index(fields=["country", "withdrawn", "issued_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def level_label(self) -> str:
        return str(ADVISORY_LEVEL_LABELS[self.level])

    def clean(self) -> None:
        check_in_country(self, "security_area")


class SecurityContact(VersionedModel):
    """One entry of the security directory: who to call in a country, area or duty station."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT,
                                related_name="security_contacts", verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="security_contacts",
                                      verbose_name=_("security area"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="security_contacts",
                                     verbose_name=_("duty station"))
    function = models.CharField(_("function"), max_length=120, help_text=_(
        "Such as Designated official, Security adviser, Radio room."))
    name = models.CharField(_("name"), max_length=150)
    phones = models.JSONField(_("phones"), default=list, blank=True,
                              validators=[validate_phone_list])
    email = models.EmailField(_("e-mail address"), blank=True)
    radio = models.CharField(_("radio call sign"), max_length=40, blank=True)
    around_the_clock = models.BooleanField(_("reachable 24 hours"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=1)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.SECURITY_AREA: "security_area",
                             ScopeKind.DUTY_STATION: "duty_station"}

    class Meta:
        verbose_name = _("security contact")
        verbose_name_plural = _("security directory")
        ordering = ["country__name", "position", "function"]

    def __str__(self) -> str:
        return f"{self.function}: {self.name}"

    def clean(self) -> None:
        check_in_country(self, "security_area", "duty_station")


class Delegation(TimestampedModel):
    """A staff member lets an assistant file and amend travel requests on their behalf."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="travel_delegates",
                               verbose_name=_("staff member"))
    assistant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="travel_delegations",
                                  verbose_name=_("assistant"))

    owner_path: ClassVar = "person__user"

    class Meta:
        verbose_name = _("travel assistant")
        verbose_name_plural = _("travel assistants")
        constraints = [models.UniqueConstraint(fields=["person", "assistant"],
                                               name="delegation_unique")]

    def __str__(self) -> str:
        return f"{self.assistant} → {self.person}"


def validate_contacts(value: Any) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Give a list of contacts."), code="invalid_contacts")
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ValidationError(_("Contact %(n)s has no name."), params={"n": index},
                                  code="invalid_contacts")
        if not (item.get("phone") or item.get("email")):
            raise ValidationError(_("Contact %(n)s needs a phone or an e-mail address."),
                                  params={"n": index}, code="invalid_contacts")


class TravelRequest(VersionedModel):
    """A travel request (差旅请求) with its itinerary, from draft to clearance."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        PERSONAL = "personal", _("Personal")

    class Status(models.TextChoices):
        DRAFT = rules.Status.DRAFT, _("Draft")
        PENDING = rules.Status.PENDING, _("Awaiting approval")
        CLEARED = rules.Status.CLEARED, _("Cleared")
        REFUSED = rules.Status.REFUSED, _("Refused")
        CANCELLED = rules.Status.CANCELLED, _("Cancelled")

    traveller = models.ForeignKey(Person, on_delete=models.PROTECT,
                                  related_name="travel_requests", verbose_name=_("traveller"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("requested by"))
    purpose = models.CharField(_("purpose"), max_length=300)
    kind = models.CharField(_("type of travel"), max_length=10, choices=Kind.choices,
                            default=Kind.OFFICIAL)
    dependants = models.ManyToManyField(Dependant, blank=True, related_name="travel_requests",
                                        verbose_name=_("travelling dependants"))
    contacts = models.JSONField(_("contacts during the trip"), default=list, blank=True,
                                validators=[validate_contacts])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    # The itinerary's span (UTC), kept from the segments for overlap checks and lists.
    starts_at = models.DateTimeField(_("departure"), null=True, blank=True)
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    scope_paths: ClassVar = {ScopeKind.ORGANIZATION: "traveller__organization",
                             ScopeKind.COUNTRY: "traveller__duty_station__country",
                             ScopeKind.SECURITY_AREA: "traveller__duty_station__security_area",
                             ScopeKind.DUTY_STATION: "traveller__duty_station"}
    owner_path: ClassVar = "traveller__user"

    class Meta:
        verbose_name = _("travel request")
        verbose_name_plural = _("travel requests")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["traveller", "status", "starts_at"]),
                   models.Index(fields=["status", "starts_at"]),
                   # The request list's default order (latest first, then pk).
                   models.Index(fields=["-starts_at", "id"], name="travel_request_latest_idx")]
        constraints = [models.CheckConstraint(
            condition=Q(starts_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
            name="travelrequest_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.reference} · {self.purpose}"

    @property
    def reference(self) -> str:
        return self.reference_of(self.pk) if self.pk else "TR-new"

    @staticmethod
    def reference_of(pk: int) -> str:
        return f"TR-{pk:06d}"

    def allows(self, action: str) -> bool:
        return rules.allows(self.status, action)


class Segment(models.Model):
    """One leg of an itinerary. Times are stored in UTC; each end keeps its time zone, so the
    local times the traveller entered are shown back exactly."""

    class Mode(models.TextChoices):
        AIR = "air", _("Air")
        ROAD = "road", _("Road")
        RAIL = "rail", _("Rail")
        SEA = "sea", _("Sea")
        OTHER = "other", _("Other")

    request = models.ForeignKey(TravelRequest, on_delete=models.CASCADE,
                                related_name="segments", verbose_name=_("travel request"))
    position = models.PositiveSmallIntegerField(_("order"))
    origin_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("from duty station"))
    origin_name = models.CharField(_("from"), max_length=150)
    origin_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("from country"))
    origin_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("from security area"))
    origin_latitude = models.FloatField(_("latitude"), validators=LATITUDE_VALIDATORS)
    origin_longitude = models.FloatField(_("longitude"), validators=LONGITUDE_VALIDATORS)
    origin_tz = models.CharField(_("time zone"), max_length=64,
                                 validators=[validate_time_zone])
    destination_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("to duty station"))
    destination_name = models.CharField(_("to"), max_length=150)
    destination_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("to country"))
    destination_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("to security area"))
    destination_latitude = models.FloatField(_("latitude"), validators=LATITUDE_VALIDATORS)
    destination_longitude = models.FloatField(_("longitude"), validators=LONGITUDE_VALIDATORS)
    destination_tz = models.CharField(_("time zone"), max_length=64,
                                      validators=[validate_time_zone])
    departs_at = models.DateTimeField(_("departure"))
    arrives_at = models.DateTimeField(_("arrival"))
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.AIR)
    operator = models.ForeignKey(AirOperator, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("air operator"))
    flight_number = models.CharField(_("flight number"), max_length=10, blank=True,
                                     validators=[RegexValidator(
                                         r"^[A-Z0-9]{2,3}\s?[0-9]{1,5}[A-Z]?$",
                                         _("Such as KQ 310 or ETH308."))])
    lodging_name = models.CharField(_("accommodation"), max_length=150, blank=True)
    lodging_address = models.CharField(_("accommodation address"), max_length=300, blank=True)
    lodging_latitude = models.FloatField(_("accommodation latitude"), null=True, blank=True,
                                         validators=LATITUDE_VALIDATORS)
    lodging_longitude = models.FloatField(_("accommodation longitude"), null=True, blank=True,
                                          validators=LONGITUDE_VALIDATORS)
    stays_until = models.DateTimeField(_("staying until"), null=True, blank=True)

    class Meta:
        verbose_name = _("itinerary segment")
        verbose_name_plural = _("itinerary segments")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"],
                                    name="segment_position_unique"),
            models.CheckConstraint(condition=Q(arrives_at__gte=models.F("departs_at")),
                                   name="segment_arrives_after_departure"),
            *coordinate_constraints("segment_origin", "origin_latitude", "origin_longitude"),
            *coordinate_constraints("segment_destination", "destination_latitude",
                                    "destination_longitude"),
        ]

    def __str__(self) -> str:
        return f"{self.origin_name} → {self.destination_name}"

    @property
    def lodging_point(self) -> tuple[float, float] | None:
        if self.lodging_latitude is None or self.lodging_longitude is None:
            return None
        return (self.lodging_latitude, self.lodging_longitude)


class Clearance(models.Model):
    """The decision on one stop of a request: automatic, or by the security officer whose
    scope covers the stop."""

    class Status(models.TextChoices):
        CLEARED = rules.StopStatus.CLEARED, _("Cleared automatically")
        PENDING = rules.StopStatus.PENDING, _("Awaiting approval")
        APPROVED = rules.StopStatus.APPROVED, _("Approved")
        REFUSED = rules.StopStatus.REFUSED, _("Refused by the officer")
        RULE_REFUSED = rules.StopStatus.RULE_REFUSED, _("Refused by the rules")

    request = models.ForeignKey(TravelRequest, on_delete=models.CASCADE,
                                related_name="clearances", verbose_name=_("travel request"))
    position = models.PositiveSmallIntegerField(_("stop"))
    place = models.CharField(_("place"), max_length=150)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("security area"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("duty station"))
    arrives_at = models.DateTimeField(_("arrival"))
    level = models.PositiveSmallIntegerField(_("security level"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    fingerprint = models.CharField(max_length=300)
    requested_at = models.DateTimeField(_("requested"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # In what capacity the decision was made: by the rules, or by a person as one of the
    # levels of rules.HOLDERS (a security officer, or a fallback where none covers the stop).
    decided_as = models.CharField(_("decided as"), max_length=24, blank=True, choices=[
        (rules.DECIDED_BY_RULES, _("the clearance rules")),
        *((h.level, h.label) for h in rules.HOLDERS)])
    comment = models.TextField(_("comment"), blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.SECURITY_AREA: "security_area",
                             ScopeKind.DUTY_STATION: "duty_station"}

    class Meta:
        verbose_name = _("clearance")
        verbose_name_plural = _("clearances")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="clearance_stop_unique"),
            # A decision names who made it, or says that the rules made it.
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True)
                | Q(decided_by__isnull=False) & ~Q(decided_as__in=["", rules.DECIDED_BY_RULES])
                | Q(decided_by__isnull=True, decided_as=rules.DECIDED_BY_RULES),
                name="clearance_decision_names_its_decider"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.request.reference} · {self.place}"

    @property
    def reason_list(self) -> list[rules.Reason]:
        return [rules.reason_from(r) for r in self.reasons]

    @property
    def place_ids(self) -> rules.Place:
        return rules.Place(self.country_id, self.security_area_id, self.duty_station_id)

    @property
    def decided_by_rules(self) -> bool:
        return self.decided_as == rules.DECIDED_BY_RULES

    @property
    def decided_by_name(self) -> str:
        user = self.decided_by
        return "" if user is None else (user.get_full_name() or user.get_username())


class Presence(models.Model):
    """Where a traveller is presumed during [starts_at, ends_at), from a trip. Written from the
    itinerary whenever it changes; never edited by hand. No piece is longer than
    rules.MAX_PRESENCE, which bounds every time lookup to an index range."""

    class Kind(models.TextChoices):
        TRANSIT = "transit", _("In transit")
        STAY = "stay", _("Staying")

    request = models.ForeignKey(TravelRequest, on_delete=models.CASCADE,
                                related_name="presences")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    dependant = models.ForeignKey(Dependant, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    cleared = models.BooleanField(default=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    cell = models.IntegerField()
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="presence_positive_length")]
        indexes = [
            models.Index(fields=["cell", "starts_at"], name="presence_cell_time"),
            models.Index(fields=["person", "starts_at"], name="presence_person_time"),
            # Partial: a staff member's own presences (dependant IS NULL) are found through
            # presence_person_time, never by scanning every staff presence of the window.
            models.Index(fields=["dependant", "starts_at"], name="presence_dependant_time",
                         condition=Q(dependant__isnull=False)),
            models.Index(fields=["security_area", "starts_at"], name="presence_area_time"),
            # Who is on a cleared trip at a moment, for the whole system (SP2.2.c.i,
            # travel.selectors.whereabouts_known_at): the cleared presences that began within
            # rules.MAX_PRESENCE of it, by one index range; on PostgreSQL read from the index
            # alone (INCLUDE; other databases make the index without those columns).
            models.Index(fields=["starts_at"], name="presence_cleared_time",
                         condition=Q(cleared=True),
                         include=["ends_at", "person", "dependant"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"
