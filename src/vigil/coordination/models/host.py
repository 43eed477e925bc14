"""Host-country cooperation: per country, the agreements in force, the security support the
host government provides, the liaison meetings with its authorities, how its authorities
handled incidents against UN personnel, and a periodic rating of its engagement with its
justification. The host government has primary responsibility for the security of UN
personnel (UNSMS policy, Framework of Accountability); these records show how far it is met."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import VersionedModel
from vigil.incidents.models import Incident
from vigil.places.models import Country, DutyStation

__all__ = ["AgreementKind", "EngagementRating", "EngagementScore", "HostAgreement",
           "HostSupport", "IncidentHandling", "InvestigationStatus", "LiaisonMeeting",
           "ProsecutionStatus", "SupportKind"]

COUNTRY_SCOPE = {ScopeKind.COUNTRY: "country"}


class AgreementKind(models.TextChoices):
    HOST_COUNTRY = "host_country", _("Host country agreement")
    STATUS_OF_FORCES = "sofa", _("Status-of-forces or status-of-mission agreement")
    BASIC_COOPERATION = "basic_cooperation", _("Basic cooperation agreement")
    SECURITY_MOU = "security_mou", _("Memorandum of understanding on security")
    EXCHANGE_OF_LETTERS = "exchange_of_letters", _("Exchange of letters")
    OTHER = "other", _("Other agreement")


class HostAgreement(VersionedModel):
    country = models.ForeignKey(Country, on_delete=models.PROTECT,
                                related_name="host_agreements", verbose_name=_("country"))
    kind = models.CharField(_("kind"), max_length=24, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(_("reference"), max_length=200, blank=True,
                                 help_text=_("Treaty series number, or the file reference."))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    in_force_from = models.DateField(_("in force from"))
    in_force_until = models.DateField(_("in force until"), null=True, blank=True,
                                      help_text=_("Empty while it has no end."))
    security_provisions = models.TextField(_("security provisions"), blank=True,
                                           help_text=_("What the host undertakes for the "
                                                       "security of UN personnel and premises."))

    scope_paths: ClassVar = COUNTRY_SCOPE

    class Meta:
        verbose_name = _("host-country agreement")
        verbose_name_plural = _("host-country agreements")
        ordering = ["country__name", "-in_force_from", "-pk"]
        constraints = [models.CheckConstraint(
            condition=Q(in_force_until__isnull=True) | Q(in_force_until__gte=F("in_force_from")),
            name="hostagreement_ends_after_start")]

    def __str__(self) -> str:
        return self.title


class SupportKind(models.TextChoices):
    POLICE_ESCORT = "police_escort", _("Police escort")
    ARMED_GUARDS = "armed_guards", _("Armed guards")
    LIAISON_OFFICER = "liaison_officer", _("Liaison officer")
    CONVOY_PROTECTION = "convoy_protection", _("Convoy protection")
    RAPID_RESPONSE = "rapid_response", _("Rapid response unit")
    INTELLIGENCE_SHARING = "information_sharing", _("Security information sharing")
    OTHER = "other", _("Other support")


class HostSupport(VersionedModel):
    """Security support the host government provides, from one date to another."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="host_support",
                                verbose_name=_("country"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="host_support",
                                     verbose_name=_("duty station"),
                                     help_text=_("Empty when it serves the whole country."))
    agreement = models.ForeignKey(HostAgreement, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="support",
                                  verbose_name=_("under agreement"))
    kind = models.CharField(_("kind"), max_length=24, choices=SupportKind.choices)
    provider = models.CharField(_("provided by"), max_length=200,
                                help_text=_("The host authority, e.g. the national police."))
    description = models.TextField(_("description"), blank=True)
    strength = models.PositiveIntegerField(_("officers or posts"), null=True, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    reliable = models.BooleanField(_("provided as agreed"), default=True,
                                   help_text=_("Untick when the support is not delivered as "
                                               "agreed."))

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country", ScopeKind.DUTY_STATION: "duty_station"}

    class Meta:
        verbose_name = _("host security support")
        verbose_name_plural = _("host security support")
        ordering = ["country__name", "kind", "-starts_on", "-pk"]
        constraints = [models.CheckConstraint(
            condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
            name="hostsupport_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.provider}"


class LiaisonMeeting(VersionedModel):
    country = models.ForeignKey(Country, on_delete=models.PROTECT,
                                related_name="liaison_meetings", verbose_name=_("country"))
    held_on = models.DateField(_("date"), db_index=True)
    host_authority = models.CharField(_("host authority"), max_length=200,
                                      help_text=_("e.g. Ministry of Foreign Affairs, national "
                                                  "police."))
    host_participants = models.TextField(_("host participants"), blank=True)
    un_participants = models.TextField(_("UN participants"), blank=True)
    topics = models.TextField(_("topics"))
    outcome = models.TextField(_("outcome"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    scope_paths: ClassVar = COUNTRY_SCOPE

    class Meta:
        verbose_name = _("liaison meeting")
        verbose_name_plural = _("liaison meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.host_authority} · {self.held_on}"


class InvestigationStatus(models.TextChoices):
    NOT_REPORTED = "not_reported", _("Not reported to the authorities")
    REPORTED = "reported", _("Reported, no investigation yet")
    OPEN = "open", _("Investigation open")
    CLOSED_SOLVED = "closed_solved", _("Investigation closed, perpetrators identified")
    CLOSED_UNSOLVED = "closed_unsolved", _("Investigation closed, unsolved")
    DECLINED = "declined", _("Authorities declined to investigate")


class ProsecutionStatus(models.TextChoices):
    NONE = "none", _("No prosecution")
    CHARGED = "charged", _("Charged")
    ON_TRIAL = "on_trial", _("On trial")
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    DISMISSED = "dismissed", _("Dismissed")


class IncidentHandling(VersionedModel):
    """How the host country's authorities handled one incident against UN personnel."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT,
                                    related_name="host_handling", verbose_name=_("incident"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT,
                                related_name="incident_handling", verbose_name=_("country"))
    reported_on = models.DateField(_("reported to the authorities on"), null=True, blank=True)
    investigation = models.CharField(_("investigation"), max_length=20,
                                     choices=InvestigationStatus.choices,
                                     default=InvestigationStatus.REPORTED)
    arrests = models.PositiveIntegerField(_("arrests"), default=0)
    prosecution = models.CharField(_("prosecution"), max_length=12,
                                   choices=ProsecutionStatus.choices,
                                   default=ProsecutionStatus.NONE)
    authority = models.CharField(_("investigating authority"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_paths: ClassVar = COUNTRY_SCOPE

    class Meta:
        verbose_name = _("incident handling by the host")
        verbose_name_plural = _("incident handling by the host")
        ordering = ["-incident__occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.incident} · {self.get_investigation_display()}"


class EngagementScore(models.IntegerChoices):
    NONE = 1, _("No engagement")
    LIMITED = 2, _("Limited")
    PARTIAL = 3, _("Partial")
    SUBSTANTIAL = 4, _("Substantial")
    FULL = 5, _("Full")


class EngagementRating(VersionedModel):
    """How far the host government took part in UN security over one period, with why."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT,
                                related_name="engagement_ratings", verbose_name=_("country"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    score = models.PositiveSmallIntegerField(_("engagement"), choices=EngagementScore.choices)
    justification = models.TextField(_("justification"))
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("rated by"))

    scope_paths: ClassVar = COUNTRY_SCOPE

    class Meta:
        verbose_name = _("engagement rating")
        verbose_name_plural = _("engagement ratings")
        ordering = ["country__name", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["country", "period_start"],
                                    name="engagementrating_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")),
                                   name="engagementrating_period_order"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5),
                                   name="engagementrating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.country} · {self.period_start} · {self.get_score_display()}"
