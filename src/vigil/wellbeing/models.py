"""Critical-incident stress support: counsellors, confidential cases, briefings.

A case is medical-grade confidential. Who may read one is decided in one place,
``wellbeing.selectors``: the assigned counsellor and the person concerned, nobody else. The
models carry no admin registration and no export of a case's content."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.models import TimestampedModel, VersionedModel
from vigil.core.roles import ScopeKind
from vigil.incidents.models import AffectedPerson, Incident
from vigil.people.models import Dependant, Organization, Person
from vigil.places.models import Country, DutyStation


class TrainingStatus(models.TextChoices):
    NOT_TRAINED = "none", _("Not trained in CISM")
    IN_TRAINING = "training", _("In training")
    CERTIFIED = "certified", _("CISM certified")
    REFRESHER_DUE = "refresher", _("Refresher due")


class Counsellor(VersionedModel):
    """A stress counsellor of the UN or of a partner organization, on the roster."""

    class Affiliation(models.TextChoices):
        UN = "un", _("United Nations")
        PARTNER = "partner", _("Partner organization")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="counsellor", verbose_name=_("user account"))
    name = models.CharField(_("name"), max_length=200)
    affiliation = models.CharField(_("affiliation"), max_length=8, choices=Affiliation.choices,
                                   default=Affiliation.UN)
    organization_name = models.CharField(_("organization"), max_length=200,
                                         help_text=_("The UN entity or the partner employing "
                                                     "the counsellor."))
    languages = models.CharField(_("languages"), max_length=200, blank=True,
                                 help_text=_("Languages of counselling, separated by commas."))
    duty_stations = models.ManyToManyField(DutyStation, related_name="counsellors",
                                           verbose_name=_("duty stations covered"))
    training_status = models.CharField(_("CISM training status"), max_length=10,
                                       choices=TrainingStatus.choices,
                                       default=TrainingStatus.NOT_TRAINED)
    trained_on = models.DateField(_("last CISM training"), null=True, blank=True)
    active = models.BooleanField(_("on the roster"), default=True)

    class Meta:
        verbose_name = _("counsellor")
        verbose_name_plural = _("counsellors")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Case(VersionedModel):
    """Support offered to one person affected by critical-incident stress."""

    class Origin(models.TextChoices):
        INCIDENT = "incident", _("Proposed from an incident")
        SELF_REQUEST = "request", _("Requested by the person")
        REFERRAL = "referral", _("Referral")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("staff member"))
    dependant = models.ForeignKey(Dependant, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("dependant"))
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("incident"))
    affected = models.OneToOneField(AffectedPerson, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("recorded as affected"))
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.PROPOSED, db_index=True)
    counsellor = models.ForeignKey(Counsellor, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="cases", verbose_name=_("assigned counsellor"))
    # Where the case is counted and which counsellors may pick it up: the person's duty station
    # when the case was proposed (or the incident's country when it names one).
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("duty station"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    proposed_at = models.DateTimeField(_("proposed at"), db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("requested or referred by"))
    request_note = models.TextField(_("request"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=60, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closure_note = models.TextField(_("closure note"), blank=True)
    declined_reason = models.CharField(_("reason declined"), max_length=300, blank=True)

    # Only for COUNSEL (which unassigned cases a counsellor may pick up) and counts; reading a
    # case's content is decided by wellbeing.selectors, never by a scope.
    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.DUTY_STATION: "duty_station",
                             ScopeKind.SECURITY_AREA: "duty_station__security_area",
                             ScopeKind.ORGANIZATION: "organization"}
    owner_path: ClassVar = "person__user"

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        ordering = ["-proposed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="open") | Q(counsellor__isnull=False),
                name="wellbeing_open_case_has_counsellor"),
            models.CheckConstraint(
                condition=~Q(origin="incident") | Q(incident__isnull=False),
                name="wellbeing_incident_case_names_incident"),
        ]

    def __str__(self) -> str:
        return self.reference


class Contact(TimestampedModel):
    """The first psychological-first-aid contact of a case."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Telephone")
        VIDEO = "video", _("Video call")
        GROUP = "group", _("Group session")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="first_contact",
                                verbose_name=_("case"))
    at = models.DateTimeField(_("time of contact"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("first psychological-first-aid contact")
        verbose_name_plural = _("first psychological-first-aid contacts")

    def __str__(self) -> str:
        return f"{self.case.reference} {self.at:%Y-%m-%d}"


class Session(TimestampedModel):
    """A follow-up session of a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions",
                             verbose_name=_("case"))
    at = models.DateTimeField(_("time of session"))
    mode = models.CharField(_("mode"), max_length=10, choices=Contact.Mode.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)])
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up session")
        verbose_name_plural = _("follow-up sessions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.at:%Y-%m-%d}"


class Briefing(VersionedModel):
    """A stress-management briefing for staff or families at a duty station (preparedness)."""

    class Audience(models.TextChoices):
        STAFF = "staff", _("Staff")
        FAMILIES = "families", _("Families")

    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("duty station"))
    held_on = models.DateField(_("date"))
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    participants = models.PositiveIntegerField(_("participants"),
                                               validators=[MaxValueValidator(100_000)])
    topic = models.CharField(_("topic"), max_length=200)
    facilitator = models.ForeignKey(Counsellor, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="briefings", verbose_name=_("facilitator"))

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "duty_station__country",
                             ScopeKind.DUTY_STATION: "duty_station",
                             ScopeKind.SECURITY_AREA: "duty_station__security_area"}

    class Meta:
        verbose_name = _("stress-management briefing")
        verbose_name_plural = _("stress-management briefings")
        ordering = ["-held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.topic} ({self.held_on})"
