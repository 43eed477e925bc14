from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.people import rules
from vigil.places.models import (
    LATITUDE_VALIDATORS,
    LONGITUDE_VALIDATORS,
    DutyStation,
    Premises,
    coordinate_constraints,
)


# Codes other than "invalid": a JSONField would replace an "invalid" message with its own.
def validate_phone_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Give a list of phone numbers."), code="invalid_phone")
    for number in value:
        if not rules.phone_ok(number):
            raise ValidationError(_("“%(value)s” is not a phone number, such as +254 20 7621234."),
                                  params={"value": number}, code="invalid_phone")


def validate_email_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Give a list of e-mail addresses."), code="invalid_email")
    for address in value:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(_("“%(value)s” is not an e-mail address."),
                                  params={"value": address}, code="invalid_email") from None


class Organization(VersionedModel):
    """A Secretariat department, agency, fund or programme taking part in the UNSMS."""

    class Kind(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat department or office")
        AGENCY = "agency", _("Specialized agency")
        FUND_PROGRAMME = "fund_programme", _("Fund or programme")
        OTHER = "other", _("Other entity")

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[RegexValidator(
        r"^[A-Z0-9][A-Za-z0-9-]*$", _("Letters, digits and hyphens, starting with a capital."))])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("part of"))
    is_active = models.BooleanField(_("active"), default=True)
    premises = models.ManyToManyField(Premises, blank=True, related_name="organizations",
                                      verbose_name=_("premises"))

    scope_paths: ClassVar = {ScopeKind.ORGANIZATION: "pk"}

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An organization cannot be part of itself.")})


class Person(VersionedModel):
    """A member of UN personnel. Contact data and residence are personal data (need-to-know)."""

    class Category(models.TextChoices):
        INTERNATIONAL = "international", _("International professional")
        NATIONAL_PROFESSIONAL = "national_professional", _("National professional officer")
        GENERAL_SERVICE = "general_service", _("General service")
        FIELD_SERVICE = "field_service", _("Field service")
        CONSULTANT = "consultant", _("Consultant")
        VOLUNTEER = "volunteer", _("UN volunteer")
        CONTRACTOR = "contractor", _("Individual contractor")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ON_LEAVE = "on_leave", _("On leave")
        SEPARATED = "separated", _("Separated")

    index_number = models.CharField(_("index number"), max_length=20, unique=True,
                                    validators=[RegexValidator(rules.INDEX_NUMBER, _(
                                        "3 to 20 capital letters, digits or hyphens."))])
    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    name_original = models.CharField(_("name in original script"), max_length=200, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="personnel", verbose_name=_("organization"))
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="personnel", verbose_name=_("duty station"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ACTIVE)
    residence_address = models.TextField(_("residence address"), blank=True)
    residence_latitude = models.FloatField(_("residence latitude"), null=True, blank=True,
                                           validators=LATITUDE_VALIDATORS)
    residence_longitude = models.FloatField(_("residence longitude"), null=True, blank=True,
                                            validators=LONGITUDE_VALIDATORS)
    phones = models.JSONField(_("phones"), default=list, blank=True,
                              validators=[validate_phone_list])
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True,
                              validators=[validate_email_list])
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="person", verbose_name=_("user account"))
    # For messages to this person: used when they have no account, or chose no language in it.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                blank=True, help_text=_(
                                    "The language of e-mails and messages to this person, "
                                    "unless they chose one in their Vigil account. Blank: "
                                    "English."))
    # The day the residence was last confirmed: coverage of whereabouts (SP2.2.c.i) counts a
    # residence only while this is recent. Set whenever the residence is saved or confirmed.
    residence_confirmed_on = models.DateField(_("residence confirmed on"), null=True, blank=True)
    # Security training (BSAFE, SSAFE, ...) is kept by the training module as completions;
    # the staff record's former certificate dates were copied there by its migration 0002.

    scope_paths: ClassVar = {ScopeKind.ORGANIZATION: "organization",
                             ScopeKind.COUNTRY: "duty_station__country",
                             ScopeKind.SECURITY_AREA: "duty_station__security_area",
                             ScopeKind.DUTY_STATION: "duty_station"}
    owner_path: ClassVar = "user"
    PERSONAL_FIELDS: ClassVar = ("residence_address", "residence_latitude",
                                 "residence_longitude", "phones", "emails")

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("personnel")
        ordering = ["family_name", "given_name"]
        constraints = [
            *coordinate_constraints("person", "residence_latitude", "residence_longitude"),
            models.CheckConstraint(
                condition=Q(residence_latitude__isnull=True, residence_longitude__isnull=True)
                | Q(residence_latitude__isnull=False, residence_longitude__isnull=False),
                name="person_residence_both_coordinates_or_none"),
        ]
        indexes = [models.Index(fields=["duty_station", "status"]),
                   models.Index(fields=["organization", "status"]),
                   models.Index(fields=["family_name"]),
                   # Who lives within a radius: a bounding-box range on these two columns.
                   # Partial, so that "no residence coordinates" is looked up by duty
                   # station instead of through this index.
                   models.Index(fields=["residence_latitude", "residence_longitude"],
                                name="person_residence_point",
                                condition=Q(residence_latitude__isnull=False))]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}" if self.given_name \
            else self.family_name.upper()

    @property
    def has_residence_coordinates(self) -> bool:
        return self.residence_latitude is not None

    def clean(self) -> None:
        if (self.residence_latitude is None) != (self.residence_longitude is None):
            raise ValidationError({"residence_longitude": _(
                "Give both latitude and longitude, or neither.")})


class EmergencyContact(TimestampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE,
                               related_name="emergency_contacts", verbose_name=_("staff member"))
    name = models.CharField(_("name"), max_length=150)
    relationship = models.CharField(_("relationship"), max_length=60)
    phone = models.CharField(_("phone"), max_length=30)
    email = models.EmailField(_("e-mail address"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.phone and not rules.phone_ok(self.phone):
            raise ValidationError({"phone": _("“%(value)s” is not a phone number.")
                                   % {"value": self.phone}})


class Dependant(VersionedModel):
    """An eligible dependant of a staff member (合格受抚养人). Personal data throughout."""

    class Relationship(models.TextChoices):
        SPOUSE = "spouse", _("Spouse or partner")
        CHILD = "child", _("Child")
        OTHER = "other", _("Other recognized dependant")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Eligible")
        INACTIVE = "inactive", _("No longer eligible")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="dependants",
                               verbose_name=_("staff member"))
    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    name_original = models.CharField(_("name in original script"), max_length=200, blank=True)
    relationship = models.CharField(_("relationship"), max_length=12,
                                    choices=Relationship.choices)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    lives_with_staff_member = models.BooleanField(_("lives with the staff member"), default=True)
    residence_address = models.TextField(_("residence address"), blank=True)
    residence_latitude = models.FloatField(_("residence latitude"), null=True, blank=True,
                                           validators=LATITUDE_VALIDATORS)
    residence_longitude = models.FloatField(_("residence longitude"), null=True, blank=True,
                                            validators=LONGITUDE_VALIDATORS)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    residence_confirmed_on = models.DateField(_("residence confirmed on"), null=True, blank=True)

    scope_paths: ClassVar = {ScopeKind.ORGANIZATION: "person__organization",
                             ScopeKind.COUNTRY: "person__duty_station__country",
                             ScopeKind.SECURITY_AREA: "person__duty_station__security_area",
                             ScopeKind.DUTY_STATION: "person__duty_station"}
    owner_path: ClassVar = "person__user"

    class Meta:
        verbose_name = _("eligible dependant")
        verbose_name_plural = _("eligible dependants")
        ordering = ["person__family_name", "family_name", "given_name"]
        constraints = [
            *coordinate_constraints("dependant", "residence_latitude", "residence_longitude"),
            models.CheckConstraint(
                condition=Q(residence_latitude__isnull=True, residence_longitude__isnull=True)
                | Q(residence_latitude__isnull=False, residence_longitude__isnull=False),
                name="dependant_residence_both_coordinates_or_none"),
        ]
        indexes = [models.Index(fields=["residence_latitude", "residence_longitude"],
                                name="dependant_residence_point",
                                condition=Q(residence_latitude__isnull=False)),
                   models.Index(fields=["person", "status"], name="dependant_person_status")]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}" if self.given_name \
            else self.family_name.upper()

    def clean(self) -> None:
        if not self.lives_with_staff_member and not self.residence_address:
            raise ValidationError({"residence_address": _(
                "Give the residence of a dependant who does not live with the staff member.")})
        if (self.residence_latitude is None) != (self.residence_longitude is None):
            raise ValidationError({"residence_longitude": _(
                "Give both latitude and longitude, or neither.")})
