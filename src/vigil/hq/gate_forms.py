"""Forms of entry events: the list filters, the guard post's scan, an officer's report, the
import of a controller's export, the column mapping, the rules' thresholds, the review."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm
from vigil.core.forms import ImportForm, ListFilters, VersionedForm, choice_filter, search_field
from vigil.hq.gate_rules import Rule
from vigil.hq.gate_selectors import gate_premises, gate_stations, mapping_list, scan_gates
from vigil.hq.models import (
    ColumnMapping,
    EntryDirection,
    EntryKind,
    EntryReason,
    EntryResult,
    EntryRuleSettings,
    EntrySource,
    UnauthorizedEntry,
)

DATE = forms.DateInput(attrs={"type": "date"})


class _DatedFilters(ListFilters):
    premises = forms.ChoiceField(label=_("Premises"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("Until"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {str(p.pk): p for p in gate_premises(user=user)}
        cast(forms.ChoiceField, self.fields["premises"]).choices = [
            ("", _("Any premises")),
            *[(pk, f"{p.name} · {p.duty_station.name}") for pk, p in self.places.items()]]

    def zone(self) -> ZoneInfo:
        """The time zone the dates are read in: the chosen premises'; with none chosen, the
        one zone of all the premises in the user's scope; else UTC."""
        data = self.cleaned_data if self.is_valid() else {}
        place = self.places.get(str(data.get("premises") or ""))
        chosen = [place] if place else list(self.places.values())
        zones = {p.duty_station.time_zone or "UTC" for p in chosen}
        return ZoneInfo(zones.pop()) if len(zones) == 1 else ZoneInfo("UTC")

    def selector_args(self) -> dict[str, Any]:
        args = super().selector_args()
        for name in ("since", "until"):
            args[name] = args[name] or None
        args["tz"] = self.zone()
        return args


class EntryEventFilters(_DatedFilters):
    q = search_field(_("Pass number or event id"))
    result = choice_filter(_("Result"), EntryResult.choices)
    reason = choice_filter(_("Reason"), EntryReason.choices)
    kind = choice_filter(_("Kind"), EntryKind.choices)
    source = choice_filter(_("Source"), EntrySource.choices)


class UnauthorizedFilters(_DatedFilters):
    q = search_field(_("Pass number or note"))
    rule = choice_filter(_("Rule"), [(r.value, r.label) for r in Rule])
    status = choice_filter(_("Status"), UnauthorizedEntry.Status.choices)


class StatisticsFilters(_DatedFilters):
    period = forms.ChoiceField(label=_("Period"), required=False, choices=[
        ("day", _("Day")), ("week", _("Week")), ("month", _("Month"))])
    by = forms.ChoiceField(label=_("Group by"), required=False, choices=[
        ("premises", _("Premises")), ("gate", _("Gate"))])

    def statistics_args(self) -> dict[str, Any]:
        args = self.selector_args()
        if not args["since"] and not args["until"]:
            today = timezone.now().astimezone(args["tz"]).date()
            args["since"], args["until"] = today - dt.timedelta(days=29), today
        args["period"] = args.get("period") or "day"
        args["by"] = args.get("by") or "premises"
        return args


class ScanForm(forms.Form):
    gate = forms.ChoiceField(label=_("Gate"))
    code = forms.CharField(label=_("Scanned code"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"autofocus": True,
                                                         "autocomplete": "off"}),
                           help_text=_("Scan the pass's QR code into this box, or paste it."))
    pass_number = forms.CharField(label=_("Or the pass number"), required=False,
                                  max_length=40, widget=forms.TextInput(
                                      attrs={"autocomplete": "off"}))
    direction = forms.ChoiceField(label=_("Direction"), choices=EntryDirection.choices,
                                  initial=EntryDirection.IN)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gates = {str(g.pk): g for g in scan_gates(user=user)}
        cast(forms.ChoiceField, self.fields["gate"]).choices = [
            (pk, f"{g.premises.name} · {g.name}") for pk, g in self.gates.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("code") and not data.get("pass_number"):
            raise forms.ValidationError(_("Scan the pass's code or type its number."))
        return data


class ReportForm(forms.Form):
    premises = forms.ChoiceField(label=_("Premises"))
    gate = forms.ChoiceField(label=_("Gate or door"), required=False)
    kind = forms.ChoiceField(label=_("What happened"), choices=[
        (EntryKind.TAILGATING.value, EntryKind.TAILGATING.label),
        (EntryKind.FORCED.value, EntryKind.FORCED.label)])
    occurred_at = forms.DateTimeField(
        label=_("When (local time of the premises)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(
        attrs={"rows": 4}), help_text=_("What was seen or found, who was there, what was done."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {str(p.pk): p for p in gate_premises(user=user, perm=Perm.RECORD_ENTRY)}
        cast(forms.ChoiceField, self.fields["premises"]).choices = [
            (pk, f"{p.name} · {p.duty_station.name}") for pk, p in self.places.items()]
        self.gates = {str(g.pk): g for g in scan_gates(user=user)}
        cast(forms.ChoiceField, self.fields["gate"]).choices = [
            ("", _("Not at a gate")),
            *[(pk, f"{g.premises.name} · {g.name}") for pk, g in self.gates.items()]]

    def clean_occurred_at(self) -> dt.datetime:
        """The local time typed, read in the zone of the premises chosen."""
        value: dt.datetime = self.cleaned_data["occurred_at"]
        place = self.places.get(str(self.data.get("premises", "")))
        zone = ZoneInfo(place.duty_station.time_zone if place else "UTC")
        return value.replace(tzinfo=None).replace(tzinfo=zone)

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"premises": self.places[data["premises"]],
                "gate": self.gates.get(data.get("gate") or ""), "kind": data["kind"],
                "occurred_at": data["occurred_at"], "description": data["description"]}


class EntryImportForm(ImportForm):
    premises = forms.ChoiceField(label=_("Premises"))
    mapping = forms.ChoiceField(label=_("Column mapping"),
                                help_text=_("How this controller writes its export."))
    dry_run = forms.BooleanField(label=_("Check only (dry run): save nothing"),
                                 required=False)
    field_order = ["premises", "mapping", "file", "skip_invalid", "dry_run"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {str(p.pk): p for p in gate_premises(user=user, perm=Perm.IMPORT_ENTRIES)}
        self.mappings = {str(m.pk): m for m in mapping_list(user=user)}
        cast(forms.ChoiceField, self.fields["premises"]).choices = [
            (pk, f"{p.name} · {p.duty_station.name}") for pk, p in self.places.items()]
        cast(forms.ChoiceField, self.fields["mapping"]).choices = [
            (pk, f"{m.name} · {m.duty_station.name}") for pk, m in self.mappings.items()]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.VIGIL_MAX_UPLOAD_BYTES
        if upload is not None and upload.size > limit:
            raise forms.ValidationError(_("The file is larger than %(size)d MB: split the "
                                          "export by day or week.")
                                        % {"size": limit // (1024 * 1024)})
        return upload


class ReasonValuesField(forms.CharField):
    """The controller's reasons and Vigil's, one pair a line: ``EXPIRED = expired``."""

    widget = forms.Textarea(attrs={"rows": 5, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{k} = {v}" for k, v in value.items())
        if isinstance(value, str) and value.startswith("{"):
            try:
                return self.prepare_value(json.loads(value))
            except ValueError:
                return value
        return value

    def to_python(self, value: Any) -> dict[str, str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        pairs: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, reason = line.partition("=")
            if not sep or not key.strip() or not reason.strip():
                raise forms.ValidationError(
                    _("Line %(n)d: write the controller's reason, “=”, and Vigil's reason.")
                    % {"n": number})
            pairs[key.strip()] = reason.strip()
        return pairs


class MappingForm(VersionedForm):
    reason_values = ReasonValuesField(
        label=_("Reason values"), required=False,
        help_text=_("One a line: the controller's word = Vigil's reason code (%(codes)s).")
        % {"codes": ", ".join(EntryReason.values)})

    class Meta:
        model = ColumnMapping
        fields = ["duty_station", "name", "description", "time_column", "time_format",
                  "time_zone", "gate_column", "pass_column", "result_column", "granted_values",
                  "denied_values", "reason_column", "reason_values", "event_id_column",
                  "direction_column", "in_values", "out_values"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["duty_station"])  # type: ignore[type-arg]
        field.queryset = gate_stations(user=user, perm=Perm.CONFIGURE_ACCESS)


class RuleSettingsForm(VersionedForm):
    class Meta:
        model = EntryRuleSettings
        fields = ["denied_threshold", "denied_window_minutes", "denied_rule", "tailgating_rule",
                  "forced_rule", "invalid_pass_rule"]


class ReviewForm(forms.Form):
    move = forms.ChoiceField(choices=[("close", _("Close")), ("reopen", _("Reopen"))],
                             widget=forms.HiddenInput)
    note = forms.CharField(label=_("What the review found"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, move: str = "", **kwargs: Any) -> None:
        """``move``: the move the form is shown for. Closing needs the note; reopening
        takes none."""
        super().__init__(*args, **kwargs)
        if move == "close":
            self.fields["note"].required = True
        elif move == "reopen":
            self.fields["note"].widget = forms.HiddenInput()

