"""Security requirements for new missions and for special, regular and emergency operations.

A template lists what a new mission or operation needs before and after it starts: staffing,
equipment, communications, premises, the MOSS baseline, training and plans. Opening a checklist
for a mission copies the template's items, each with an owner and a due date counted from the
mission's start; readiness is the share of applicable items done
(coordination.readiness_rules)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.coordination.models.accountability import PLACE_SCOPE, Function
from vigil.core.authz import ScopeKind
from vigil.core.models import VersionedModel
from vigil.places.models import Country, DutyStation

__all__ = ["ChecklistItem", "ChecklistStatus", "ItemStatus", "OperationKind",
           "ReadinessChecklist", "RequirementCategory", "RequirementTemplate", "TemplateItem"]


class OperationKind(models.TextChoices):
    NEW_MISSION = "new_mission", _("New mission")
    SPECIAL = "special", _("Special operation")
    REGULAR = "regular", _("Regular operation")
    EMERGENCY = "emergency", _("Emergency operation")


class RequirementCategory(models.TextChoices):
    STAFFING = "staffing", _("Security staffing")
    EQUIPMENT = "equipment", _("Equipment")
    COMMUNICATIONS = "communications", _("Communications")
    PREMISES = "premises", _("Premises")
    MOSS = "moss", _("MOSS baseline")
    TRAINING = "training", _("Training")
    PLANS = "plans", _("Plans")


class RequirementTemplate(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    operation_kind = models.CharField(_("for"), max_length=16, choices=OperationKind.choices)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("requirements template")
        verbose_name_plural = _("requirements templates")
        ordering = ["operation_kind", "name"]

    def __str__(self) -> str:
        return self.name


class TemplateItem(models.Model):
    template = models.ForeignKey(RequirementTemplate, on_delete=models.CASCADE,
                                 related_name="items", verbose_name=_("template"))
    category = models.CharField(_("category"), max_length=16,
                                choices=RequirementCategory.choices)
    text = models.CharField(_("requirement"), max_length=300)
    guidance = models.TextField(_("guidance"), blank=True)
    owner_function = models.CharField(_("usually owned by"), max_length=32, blank=True,
                                      choices=Function.choices)
    due_offset_days = models.IntegerField(
        _("due, days from the start"), default=0,
        validators=[MinValueValidator(-365), MaxValueValidator(365)],
        help_text=_("Negative: before the mission starts; 0: on its first day."))
    mandatory = models.BooleanField(_("mandatory"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("template requirement")
        verbose_name_plural = _("template requirements")
        ordering = ["template", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class ChecklistStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    STARTED = "started", _("Started")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ReadinessChecklist(VersionedModel):
    """The security requirements of one new mission or operation, and how far they are met."""

    name = models.CharField(_("mission or operation"), max_length=200)
    operation_kind = models.CharField(_("kind"), max_length=16, choices=OperationKind.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT,
                                related_name="readiness_checklists", verbose_name=_("country"))
    security_area = models.ForeignKey("places.SecurityArea", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+",
                                      verbose_name=_("security area"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="readiness_checklists",
                                     verbose_name=_("duty station"))
    template = models.ForeignKey(RequirementTemplate, on_delete=models.PROTECT,
                                 related_name="checklists", verbose_name=_("template"))
    starts_on = models.DateField(_("mission starts on"))
    status = models.CharField(_("status"), max_length=12, choices=ChecklistStatus.choices,
                              default=ChecklistStatus.PREPARING, db_index=True)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("lead"))
    notes = models.TextField(_("notes"), blank=True)

    scope_paths: ClassVar = PLACE_SCOPE

    class Meta:
        verbose_name = _("readiness checklist")
        verbose_name_plural = _("readiness checklists")
        ordering = ["starts_on", "pk"]

    def __str__(self) -> str:
        return self.name


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ChecklistItem(VersionedModel):
    checklist = models.ForeignKey(ReadinessChecklist, on_delete=models.CASCADE,
                                  related_name="items", verbose_name=_("checklist"))
    template_item = models.ForeignKey(TemplateItem, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("from template requirement"))
    category = models.CharField(_("category"), max_length=16,
                                choices=RequirementCategory.choices)
    text = models.CharField(_("requirement"), max_length=300)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="readiness_items",
                              verbose_name=_("owner"))
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=ItemStatus.choices,
                              default=ItemStatus.OPEN, db_index=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True,
                                help_text=_("What shows it is done, or why it does not apply."))

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "checklist__country",
                             ScopeKind.SECURITY_AREA: "checklist__security_area",
                             ScopeKind.DUTY_STATION: "checklist__duty_station"}
    owner_path: ClassVar = "owner"

    class Meta:
        verbose_name = _("readiness requirement")
        verbose_name_plural = _("readiness requirements")
        ordering = ["checklist", "due_on", "pk"]
        constraints = [models.CheckConstraint(
            condition=Q(status="done", done_on__isnull=False)
            | (~Q(status="done") & Q(done_on__isnull=True)),
            name="checklistitem_done_iff_done_on")]

    def __str__(self) -> str:
        return self.text
