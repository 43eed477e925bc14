"""The API of programme performance: /api/v1/indicators/ (each indicator's value for a period
and a slice, with its target, baseline and previous value), /api/v1/indicators/<id>/ (adds
the trend, the records behind the figure and the settings), and /api/v1/indicator-targets/
(baselines and targets; written by a programme manager responsible for the whole system).

A period or slice written wrongly answers 400 naming the parameter. A slice kind the viewer
may not use (the whole system, a region, without a global grant) answers 403; a place that
does not exist and one outside the viewer's scope answer alike, 400 on ``value``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.core.api import (
    NON_BLANK,
    UNKNOWN_REFERENCE,
    ApiViewSet,
    ServiceViewSet,
    named_choices,
    query_choice,
    valid_input,
    validated_whole,
)
from vigil.core.errors import ErrorCode, Forbidden, NotFound
from vigil.core.slices import Slice, SliceKind
from vigil.performance import registry, rules, services
from vigil.performance import selectors as sel
from vigil.performance.definitions import Indicator
from vigil.performance.models import Target
from vigil.places.models import Region

TREND_POINTS = 6
# A counselling figure withheld because a count is below wellbeing's minimum cell.
SUPPRESSED = "suppressed"


def _bad(field: str, message: Any, code: str = ErrorCode.INVALID) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(str(message), code=code)]})


def _period(request: Request) -> rules.Period:
    text = request.query_params.get("period", "").strip()
    if not text:
        return rules.biennium_of(timezone.localdate())
    try:
        return rules.parse_period(text)
    except rules.PeriodError as error:
        raise _bad("period", "Write a period as 2026-2027 (biennium), 2026 (year), 2026-Q3 "
                             "(quarter) or 2026-01-01..2026-06-30 (dates).",
                   str(error)) from error


def _slice(request: Request) -> Slice:
    kind = request.query_params.get("slice", "").strip()
    value = request.query_params.get("value", "").strip()
    if not kind:
        found = sel.default_slice(request.user)
        if found is None:
            raise Forbidden()
        return found
    try:
        where = sel.parse_slice(kind, value or None)
    except sel.SliceError as error:
        if str(error) == "unknown_kind":
            raise _bad("slice", "One of: " + ", ".join(k.value for k in SliceKind),
                       "unknown_kind") from error
        if str(error) == "missing_value":
            raise _bad("value", "Give the region's code or the place's id.",
                       ErrorCode.REQUIRED) from error
        raise _bad("value", UNKNOWN_REFERENCE, ErrorCode.UNKNOWN_REFERENCE) from error
    if not sel.may_view_slice(request.user, where):
        if where.kind in (SliceKind.SYSTEM, SliceKind.REGION):
            raise Forbidden()
        raise _bad("value", UNKNOWN_REFERENCE, ErrorCode.UNKNOWN_REFERENCE)
    return where


def _value(measure: rules.Measure) -> dict[str, Any]:
    return {"value": measure.value, "numerator": measure.numerator,
            "denominator": measure.denominator, "median_days": measure.median_days,
            "no_data": measure.no_data,
            "reason": SUPPRESSED if measure.no_data and measure.detail.get("suppressed")
            else measure.reason or None}


class ValueOutput(serializers.Serializer):  # type: ignore[type-arg]
    value = serializers.DecimalField(max_digits=14, decimal_places=1, allow_null=True,
                                     coerce_to_string=False,
                                     help_text="null when there is no data (never 0)")
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    median_days = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True,
                                           coerce_to_string=False)
    no_data = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True,
                                   help_text="no_records, slice_not_applicable or suppressed "
                                             "(counselling counts below the minimum cell)")


class IndicatorOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    text = serializers.CharField()
    subprogramme = serializers.IntegerField()
    component = serializers.CharField()
    accomplishment = serializers.CharField()
    unit = named_choices("IndicatorUnit", [(u.value, u.value) for u in rules.Unit])
    direction = named_choices("IndicatorDirection", [(d.value, d.value)
                                                     for d in rules.Direction])
    period = serializers.CharField()
    slice = serializers.CharField()
    slice_value = serializers.CharField(allow_null=True)
    value = ValueOutput()
    previous_period = serializers.CharField()
    previous = ValueOutput()
    baseline = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True,
                                        coerce_to_string=False)
    target = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True,
                                      coerce_to_string=False)
    target_met = serializers.BooleanField(allow_null=True)
    versus_previous = named_choices("IndicatorTravel", [(t.value, t.value)
                                                        for t in rules.Travel])


class PointOutput(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField()
    value = ValueOutput()


class RecordOutput(serializers.Serializer):  # type: ignore[type-arg]
    label = serializers.CharField()  # type: ignore[assignment]
    url = serializers.CharField()
    cells = serializers.ListField(child=serializers.CharField())
    counted = serializers.BooleanField()


class RecordsOutput(serializers.Serializer):  # type: ignore[type-arg]
    counts_only = serializers.BooleanField()
    count = serializers.IntegerField()
    hidden = serializers.IntegerField(help_text="counted, but the viewer may not open them")
    columns = serializers.ListField(child=serializers.CharField())
    rows = RecordOutput(many=True)


class SettingOutput(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    default = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    minimum = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    maximum = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    unit = serializers.CharField()


class IndicatorDetailOutput(IndicatorOutput):
    source = serializers.CharField()  # type: ignore[assignment]
    series = PointOutput(many=True)
    records = RecordsOutput(allow_null=True)
    settings = SettingOutput(many=True)


_DAY = r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
# The forms rules.parse_period reads: a biennium (an even year and the next), a year, a quarter,
# or two days, with years of four digits (the API reads 26 as the year 26; the schema does not
# offer it). Format "period": the days are calendar days, the second not before the first.
PERIOD_PATTERN = (r"^(?:([1-9][0-9]{2})(?:0-\1[1]|2-\1[3]|4-\1[5]|6-\1[7]|8-\1[9])"
                  r"|[1-9][0-9]{3}(?:-[Qq][1-4])?"
                  rf"|{_DAY}\.\.{_DAY})$")
_NON_BLANK = {"type": "string", "pattern": NON_BLANK}
QUERY = [
    OpenApiParameter("period", {"type": "string", "format": "period",
                                "pattern": PERIOD_PATTERN},
                     description="2026-2027, 2026, 2026-Q3 or 2026-01-01..2026-06-30 (the "
                     "second day not before the first); the current biennium when absent"),
    query_choice(
        "where",
        {},
        {"slice": {"type": "string", "enum": [SliceKind.SYSTEM.value]}},
        {"slice": {"type": "string", "enum": [SliceKind.REGION.value]},
         "value": {"type": "string", "enum": list(Region.values)}},
        {"slice": {"type": "string", "enum": [SliceKind.COUNTRY.value,
                                              SliceKind.DUTY_STATION.value,
                                              SliceKind.ORGANIZATION.value]},
         "value": _NON_BLANK},
        description="?slice= and ?value=: none (the viewer's default slice), slice=system, "
                    "or another slice with its value: a region's code, a country's ISO "
                    "alpha-2 code or id, a duty station's id, an organization's code or id"),
]

def _row(tile: sel.Tile) -> dict[str, Any]:
    indicator = tile.indicator
    return {"id": indicator.id, "text": str(indicator.text),
            "subprogramme": indicator.subprogramme, "component": indicator.component,
            "accomplishment": indicator.accomplishment, "unit": indicator.unit.value,
            "direction": indicator.direction.value, "period": tile.period.key,
            "slice": tile.slice.kind.value,
            "slice_value": None if tile.slice.value is None else str(tile.slice.value),
            "value": _value(tile.actual), "previous_period": tile.period.previous().key,
            "previous": _value(tile.previous), "baseline": tile.baseline,
            "target": tile.target, "target_met": tile.met,
            "versus_previous": tile.versus_previous.value}


class IndicatorViewSet(ApiViewSet):
    """The seed's 18 indicators, computed for a period and a slice."""

    lookup_field = "indicator_id"
    lookup_value_regex = r"SP[0-9](?:\.[0-9a-z]+)+"

    def _check(self, request: Request) -> None:
        if not sel.may_view(request.user):
            raise Forbidden()

    @extend_schema(parameters=QUERY, responses=IndicatorOutput(many=True))
    def list(self, request: Request) -> Response:
        self._check(request)
        period, where = _period(request), _slice(request)
        return Response(IndicatorOutput([_row(t) for t in sel.tiles(period, where)],
                                        many=True).data)

    @extend_schema(parameters=QUERY, responses=IndicatorDetailOutput)
    def retrieve(self, request: Request, indicator_id: str) -> Response:
        self._check(request)
        indicator = registry.get(indicator_id)
        if indicator is None:
            raise NotFound()
        period, where = _period(request), _slice(request)
        data = _row(sel.tile(indicator, period, where))
        data["source"] = str(indicator.source)
        data["series"] = [{"period": p.key, "value": _value(m)}
                          for p, m in sel.series(indicator, period, where, TREND_POINTS)]
        found = sel.records(indicator, period, where, request.user)
        data["records"] = None if found is None else {
            "counts_only": found.counts_only, "count": len(found.rows), "hidden": found.hidden,
            "columns": [str(c) for c in found.columns],
            "rows": [] if found.counts_only else [
                {"label": r.label, "url": r.url, "cells": list(r.cells), "counted": r.counted}
                for r in found.rows]}
        data["settings"] = _settings(indicator)
        return Response(IndicatorDetailOutput(data).data)


def _settings(indicator: Indicator) -> list[dict[str, Any]]:
    values = sel.settings_of(indicator)
    return [{"key": s.key, "label": str(s.label), "value": values[s.key], "default": s.default,
             "minimum": s.minimum, "maximum": s.maximum, "unit": str(s.unit)}
            for s in indicator.settings]


class TargetOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    biennium = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = ["id", "indicator", "biennium_start", "biennium", "baseline", "target", "note",
                  "version", "updated_at"]

    def get_biennium(self, obj: Target) -> str:
        return rules.biennium(obj.biennium_start).key


class TargetInput(serializers.Serializer):  # type: ignore[type-arg]
    indicator = named_choices("IndicatorId", [(i, i) for i in registry.IDS])
    biennium_start = serializers.IntegerField(help_text="the first (even) year")
    baseline = serializers.DecimalField(max_digits=12, decimal_places=1, required=False,
                                        allow_null=True)
    target = serializers.DecimalField(max_digits=12, decimal_places=1, required=False,
                                      allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


@validated_whole
class TargetUpdateInput(serializers.Serializer):  # type: ignore[type-arg]
    baseline = serializers.DecimalField(max_digits=12, decimal_places=1, required=False,
                                        allow_null=True)
    target = serializers.DecimalField(max_digits=12, decimal_places=1, required=False,
                                      allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


def target_list(*, user: Any) -> QuerySet[Target]:
    """Targets are the programme's, the same for every slice: any performance viewer reads
    them all; others none."""
    return Target.objects.all() if sel.may_view(user) else Target.objects.none()


class TargetViewSet(ServiceViewSet):
    """Baselines and targets by indicator and biennium (?biennium=2026, ?indicator=SP1.b)."""

    output_serializer = TargetOutput
    selector = target_list

    def get_queryset(self) -> QuerySet[Target]:
        rows = target_list(user=self.request.user)
        biennium = self.request.query_params.get("biennium", "").strip()
        if biennium:
            if not biennium.isdigit():
                raise _bad("biennium", "Give the first year of the biennium, e.g. 2026.")
            rows = rows.filter(biennium_start=int(biennium))
        indicator = self.request.query_params.get("indicator", "").strip()
        if indicator:
            rows = rows.filter(indicator=indicator)
        return rows

    @extend_schema(parameters=[OpenApiParameter("biennium", {"type": "integer", "minimum": 0},
                                                description="its first year, e.g. 2026"),
                               OpenApiParameter("indicator", str)])
    def list(self, request: Request) -> Response:
        if not sel.may_view(request.user):
            raise Forbidden()
        return super().list(request)

    @extend_schema(request=TargetInput, responses={201: TargetOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(TargetInput, request.data)
        row = services.target_set(actor=request.user, indicator_id=data["indicator"],
                                  biennium_start=data["biennium_start"],
                                  baseline=data.get("baseline"), target=data.get("target"),
                                  note=data.get("note", ""))
        return self.output(row, status.HTTP_201_CREATED)

    @extend_schema(request=TargetUpdateInput, responses=TargetOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        row = self.get_object()
        data = valid_input(TargetUpdateInput, request.data)
        saved = services.target_set(
            actor=request.user, indicator_id=row.indicator, biennium_start=row.biennium_start,
            baseline=data["baseline"] if "baseline" in data else row.baseline,
            target=data["target"] if "target" in data else row.target,
            note=data["note"] if "note" in data else row.note, version=data["version"])
        return self.output(saved)

    @extend_schema(parameters=[OpenApiParameter("version", int, required=True)],
                   responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        row = self.get_object()
        version = request.query_params.get("version", "")
        if not version.isdigit():
            raise _bad("version", "Send the version you read.", ErrorCode.REQUIRED)
        services.target_clear(actor=request.user, target=row, version=int(version))
        return Response(status=status.HTTP_204_NO_CONTENT)


ROUTES: list[tuple[str, type, str]] = [
    ("indicators", IndicatorViewSet, "indicator"),
    ("indicator-targets", TargetViewSet, "indicator-target"),
]
