"""Security management teams. A team plans security for a country (or one of its areas) under
the designated official. Its members are the holders of the SMT functions in the place
(coordination.Appointment); the team keeps its meetings with attendance, agenda and
decisions, the action points those decisions give, tracked to closure, and the plans its
organizations made together. How often a team must meet depends on the security level in
force, as configured (CoordinationSettings.meeting_interval_days)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.coordination.models.accountability import Appointment
from vigil.core.authz import ScopeKind
from vigil.core.models import VersionedModel
from vigil.people.models import Organization
from vigil.places.models import Country, SecurityArea
from vigil.risk.models import SecurityPlan

__all__ = ["ActionPoint", "ActionStatus", "Attendance", "AttendanceStatus",
           "CoordinationSettings", "Decision", "JointPlan", "JointPlanKind", "JointPlanStatus",
           "Meeting", "MeetingKind", "MeetingStatus", "SecurityManagementTeam"]

TEAM_SCOPE = {ScopeKind.COUNTRY: "team__country", ScopeKind.SECURITY_AREA: "team__security_area"}

# Days allowed between two meetings, by the highest security level in force (1 minimal ...
# 6 extreme). The configured table (CoordinationSettings) starts from this one.
DEFAULT_MEETING_INTERVAL_DAYS = {"1": 90, "2": 90, "3": 60, "4": 30, "5": 14, "6": 7}


def _default_intervals() -> dict[str, int]:
    return dict(DEFAULT_MEETING_INTERVAL_DAYS)


class CoordinationSettings(VersionedModel):
    """The configuration of coordination rules, one row (pk 1, made by the migration)."""

    meeting_interval_days = models.JSONField(_("days allowed between SMT meetings"),
                                             default=_default_intervals)

    class Meta:
        verbose_name = _("coordination settings")

    def __str__(self) -> str:
        return f"coordination settings v{self.version}"


class SecurityManagementTeam(VersionedModel):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="smts",
                                verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="smts",
                                      verbose_name=_("security area"),
                                      help_text=_("Empty for the country's team."))
    name = models.CharField(_("name"), max_length=200)
    established_on = models.DateField(_("established on"))
    active = models.BooleanField(_("active"), default=True)
    terms_of_reference = models.TextField(_("terms of reference"), blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.SECURITY_AREA: "security_area"}

    class Meta:
        verbose_name = _("security management team")
        verbose_name_plural = _("security management teams")
        ordering = ["country__name", "security_area__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["country"],
                                    condition=Q(security_area__isnull=True, active=True),
                                    name="smt_one_active_per_country"),
            models.UniqueConstraint(fields=["security_area"],
                                    condition=Q(security_area__isnull=False, active=True),
                                    name="smt_one_active_per_area"),
        ]

    def __str__(self) -> str:
        return self.name


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    EXTRAORDINARY = "extraordinary", _("Extraordinary")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(VersionedModel):
    team = models.ForeignKey(SecurityManagementTeam, on_delete=models.PROTECT,
                             related_name="meetings", verbose_name=_("team"))
    held_on = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices,
                            default=MeetingKind.REGULAR)
    status = models.CharField(_("status"), max_length=12, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED, db_index=True)
    location = models.CharField(_("place"), max_length=200, blank=True)
    chaired_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("chaired by"))
    agenda = models.TextField(_("agenda"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    minutes_approved_on = models.DateField(_("minutes approved on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    scope_paths: ClassVar = TEAM_SCOPE

    class Meta:
        verbose_name = _("SMT meeting")
        verbose_name_plural = _("SMT meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.team} · {self.held_on}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    REPRESENTED = "represented", _("Represented")
    APOLOGIES = "apologies", _("Apologies")
    ABSENT = "absent", _("Absent")


class Attendance(models.Model):
    """One member's (or guest's) attendance at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance",
                                verbose_name=_("meeting"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name=_("member"))
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("attending as"))
    guest_name = models.CharField(_("guest"), max_length=200, blank=True,
                                  help_text=_("For somebody who is not a member."))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("organization"))
    status = models.CharField(_("attendance"), max_length=12, choices=AttendanceStatus.choices,
                              default=AttendanceStatus.PRESENT)
    represented_by = models.CharField(_("represented by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], condition=Q(user__isnull=False),
                                    name="attendance_member_once"),
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(guest_name=""),
                                   name="attendance_member_or_guest"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.guest_name} · {self.get_status_display()}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions",
                                verbose_name=_("meeting"))
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("decision"))

    class Meta:
        verbose_name = _("SMT decision")
        verbose_name_plural = _("SMT decisions")
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"],
                                               name="decision_number_unique")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.number}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionPoint(VersionedModel):
    team = models.ForeignKey(SecurityManagementTeam, on_delete=models.PROTECT,
                             related_name="action_points", verbose_name=_("team"))
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT,
                                related_name="action_points", verbose_name=_("meeting"))
    decision = models.ForeignKey(Decision, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="action_points", verbose_name=_("decision"))
    text = models.TextField(_("action"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="smt_action_points", verbose_name=_("owner"))
    due_on = models.DateField(_("due"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices,
                              default=ActionStatus.OPEN, db_index=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))
    closure_note = models.TextField(_("how it was closed"), blank=True)

    scope_paths: ClassVar = TEAM_SCOPE
    owner_path: ClassVar = "owner"

    class Meta:
        verbose_name = _("action point")
        verbose_name_plural = _("action points")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status="open", closed_on__isnull=True)
                                   | (~Q(status="open") & Q(closed_on__isnull=False)),
                                   name="actionpoint_closed_iff_not_open"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class JointPlanKind(models.TextChoices):
    SECURITY_PLAN = "security_plan", _("Country security plan")
    CONTINGENCY = "contingency", _("Contingency plan")
    RELOCATION = "relocation", _("Relocation and evacuation plan")
    MEDICAL_EVACUATION = "medical_evacuation", _("Medical evacuation plan")
    MOSS = "moss", _("MOSS implementation plan")
    COMMUNICATIONS = "communications", _("Security communications plan")
    OTHER = "other", _("Other joint plan")


class JointPlanStatus(models.TextChoices):
    DRAFTING = "drafting", _("Being drafted")
    AGREED = "agreed", _("Agreed by the SMT")
    IN_IMPLEMENTATION = "in_implementation", _("Being implemented")
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Abandoned")


class JointPlan(VersionedModel):
    """A plan the team's organizations made together: the seed counts the teams that plan
    jointly."""

    team = models.ForeignKey(SecurityManagementTeam, on_delete=models.PROTECT,
                             related_name="joint_plans", verbose_name=_("team"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=JointPlanKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=JointPlanStatus.choices,
                              default=JointPlanStatus.DRAFTING, db_index=True)
    organizations = models.ManyToManyField(Organization, related_name="joint_plans",
                                           verbose_name=_("organizations planning together"))
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name=_("lead"))
    agreed_at = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="plans_agreed",
                                  verbose_name=_("agreed at meeting"))
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    security_plan = models.ForeignKey(SecurityPlan, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="joint_plans",
                                      verbose_name=_("security plan"),
                                      help_text=_("The security plan it produced, if any."))
    review_due = models.DateField(_("review due"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_paths: ClassVar = TEAM_SCOPE

    class Meta:
        verbose_name = _("joint plan")
        verbose_name_plural = _("joint plans")
        ordering = ["team", "-pk"]

    def __str__(self) -> str:
        return self.title
