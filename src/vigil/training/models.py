"""Security training: courses and their validity rules, sessions, enrolments with a waiting
list, and completions with their certificates.

A completion is the one record that a person (a staff member, or one of their eligible
dependants) holds a course: travel clearance asks training whether one is valid on a day.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.people.models import Dependant, Person
from vigil.places.models import DutyStation
from vigil.training import rules


class CourseKind(models.TextChoices):
    SECURITY_AWARENESS = "security_awareness", _("Security awareness (all personnel)")
    FIELD_SECURITY = "field_security", _("Field security")
    STRESS_MANAGEMENT = "stress_management", _("Stress management for staff and families")
    CISM = "cism", _("Critical-incident stress management for counsellors")
    SMT_DO = "smt_do", _("Security management team and designated official")
    PROFESSIONAL = "professional", _("Professional training for security officers")


class Course(VersionedModel):
    """A course and its rules: how long a completion stays valid (never, unless a number of
    months is set), whether dependants may hold it, and who must hold it."""

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[RegexValidator(
        rules.COURSE_CODE, _("2 to 20 capital letters, digits or hyphens."))])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=CourseKind.choices)
    description = models.TextField(_("description"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Blank: a completion never expires."))
    applies_to_dependants = models.BooleanField(
        _("applies to dependants"), default=False,
        help_text=_("Eligible dependants may take the course, and travel checks theirs too."))
    dependant_minimum_age = models.PositiveSmallIntegerField(
        _("dependants from the age of"), null=True, blank=True,
        validators=[MaxValueValidator(25)],
        help_text=_("Dependants younger than this are not required to hold the course."))
    required_for_all = models.BooleanField(_("required of all personnel"), default=False)
    required_categories = models.JSONField(
        _("required of these categories"), default=list, blank=True,
        help_text=_("Staff categories that must hold the course."))
    required_roles = models.JSONField(
        _("required of these roles"), default=list, blank=True,
        help_text=_("Holders of these Vigil roles must hold the course."))
    required_duty_stations = models.ManyToManyField(
        DutyStation, blank=True, related_name="required_courses",
        verbose_name=_("required at these duty stations"))
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def never_expires(self) -> bool:
        return self.validity_months is None


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Session(VersionedModel):
    """One running of a course: where (a duty station and a venue, or online), when, by
    whom, for how many."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions",
                               verbose_name=_("course"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="training_sessions",
                                     verbose_name=_("duty station"))
    venue = models.CharField(_("venue"), max_length=200, blank=True,
                             help_text=_("The building and room, or the city."))
    online = models.BooleanField(_("online"), default=False)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    trainers = models.CharField(_("trainers"), max_length=300, blank=True,
                                help_text=_("Names, separated by commas."))
    capacity = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(500)])
    status = models.CharField(_("status"), max_length=12, choices=SessionStatus.choices,
                              default=SessionStatus.SCHEDULED)
    notes = models.TextField(_("notes"), blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "duty_station__country",
                             ScopeKind.SECURITY_AREA: "duty_station__security_area",
                             ScopeKind.DUTY_STATION: "duty_station"}

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="training_session_ends_after_start"),
            models.CheckConstraint(condition=Q(online=True) | Q(duty_station__isnull=False),
                                   name="training_session_place_or_online"),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.course.code} {self.starts_at:%Y-%m-%d}"

    @property
    def place_label(self) -> str:
        parts = [p for p in (self.duty_station.name if self.duty_station else "",
                             self.venue) if p]
        if self.online:
            parts.append(str(_("online")))
        return " · ".join(parts)


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not attend")


class Result(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class Enrolment(VersionedModel):
    """A place on a session for a staff member, or for one of their dependants (``dependant``
    set; ``person`` is then the staff member they depend on)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrolments",
                                verbose_name=_("session"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT,
                               related_name="training_enrolments",
                               verbose_name=_("staff member"))
    dependant = models.ForeignKey(Dependant, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="training_enrolments",
                                  verbose_name=_("dependant"))
    status = models.CharField(_("status"), max_length=12, choices=EnrolmentStatus.choices)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True,
                                blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("enrolled by"))

    scope_paths: ClassVar = {ScopeKind.ORGANIZATION: "person__organization",
                             ScopeKind.COUNTRY: "person__duty_station__country",
                             ScopeKind.SECURITY_AREA: "person__duty_station__security_area",
                             ScopeKind.DUTY_STATION: "person__duty_station"}
    owner_path: ClassVar = "person__user"

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"],
                                    condition=Q(dependant__isnull=True),
                                    name="training_enrolment_once_per_person"),
            models.UniqueConstraint(fields=["session", "dependant"],
                                    condition=Q(dependant__isnull=False),
                                    name="training_enrolment_once_per_dependant"),
            models.CheckConstraint(condition=Q(result="") | Q(status="attended"),
                                   name="training_enrolment_result_only_if_attended"),
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.holder_name}"

    @property
    def holder_name(self) -> str:
        if self.dependant_id is not None and self.dependant is not None:
            return f"{self.dependant.family_name.upper()}, {self.dependant.given_name}".rstrip(
                ", ")
        return self.person.full_name


class CompletionSource(models.TextChoices):
    SESSION = "session", _("Session")
    IMPORT = "import", _("Learning platform import")
    MIGRATED = "migrated", _("Migrated from the staff record")
    MANUAL = "manual", _("Recorded by a training officer")


class Completion(TimestampedModel):
    """A course held: by a staff member, or by a dependant (``dependant`` set, ``person`` the
    staff member). ``expires_on`` is the first day it is no longer valid (blank: never)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT,
                               related_name="training_completions",
                               verbose_name=_("staff member"))
    dependant = models.ForeignKey(Dependant, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="training_completions",
                                  verbose_name=_("dependant"))
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions",
                               verbose_name=_("course"))
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("no longer valid from"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=CompletionSource.choices)
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="completions", verbose_name=_("session"))
    enrolment = models.OneToOneField(Enrolment, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="completion",
                                     verbose_name=_("enrolment"))
    platform_id = models.CharField(_("learning platform record"), max_length=64, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True,
                                blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    certificate_code = models.CharField(_("certificate code"), max_length=14, unique=True)
    revoked = models.BooleanField(_("revoked"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    scope_paths: ClassVar = {ScopeKind.ORGANIZATION: "person__organization",
                             ScopeKind.COUNTRY: "person__duty_station__country",
                             ScopeKind.SECURITY_AREA: "person__duty_station__security_area",
                             ScopeKind.DUTY_STATION: "person__duty_station"}
    owner_path: ClassVar = "person__user"

    class Meta:
        verbose_name = _("completion")
        verbose_name_plural = _("completions")
        ordering = ["-completed_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "course", "completed_on"],
                                    condition=Q(dependant__isnull=True),
                                    name="training_completion_once_a_day_person"),
            models.UniqueConstraint(fields=["dependant", "course", "completed_on"],
                                    condition=Q(dependant__isnull=False),
                                    name="training_completion_once_a_day_dependant"),
            models.UniqueConstraint(fields=["platform_id"], condition=~Q(platform_id=""),
                                    name="training_completion_platform_id_unique"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("completed_on")),
                name="training_completion_expires_after_completion"),
        ]
        indexes = [models.Index(fields=["course", "person", "expires_on"]),
                   models.Index(fields=["course", "dependant", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.course.code} {self.completed_on:%Y-%m-%d}"

    @property
    def holder_name(self) -> str:
        if self.dependant_id is not None and self.dependant is not None:
            return f"{self.dependant.family_name.upper()}, {self.dependant.given_name}".rstrip(
                ", ")
        return self.person.full_name
