"""REST API of security management teams, under /api/v1/coordination/: smts (read, create,
edit, each with its meeting state and members), meetings (read, schedule, ``/<id>/record/``,
``/<id>/cancel/``), action-points (read, add, ``/<id>/close/``, ``/<id>/reopen/``),
joint-plans (read, create, edit, ``/<id>/<move>/``) and settings (read; the meeting intervals
changed by a global configurer)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigil.coordination import smt_rules as rules
from vigil.coordination import smt_selectors as selectors
from vigil.coordination import smt_services as services
from vigil.coordination.models import (
    ActionPoint,
    ActionStatus,
    Attendance,
    AttendanceStatus,
    Decision,
    JointPlan,
    JointPlanKind,
    JointPlanStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    SecurityManagementTeam,
)
from vigil.core.api import (
    ApiViewSet,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    WritableServiceViewSet,
    named_choices,
    valid_input,
)
from vigil.core.authz import Perm, has_perm_anywhere, holds_globally, visible
from vigil.core.errors import Forbidden, NotFound
from vigil.people.models import Organization
from vigil.places.models import Country, SecurityArea
from vigil.risk.selectors import plan_list as security_plan_list


def _users(*, user: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True)


# --- Teams ----------------------------------------------------------------------------------

class SmtMeetingStateOutput(serializers.Serializer[Any]):
    level = serializers.IntegerField(allow_null=True, help_text="Security level in force.")
    interval_days = serializers.IntegerField()
    last_held_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField()
    late = serializers.BooleanField()
    days_late = serializers.IntegerField()


class SmtMemberOutput(serializers.Serializer[Any]):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    function = serializers.CharField()
    organization = serializers.CharField(source="organization.code")
    appointment = serializers.IntegerField(source="appointment.pk")
    has_access = serializers.BooleanField()


class SmtTeamOutput(serializers.ModelSerializer[SecurityManagementTeam]):
    meeting_state = serializers.SerializerMethodField()
    next_meeting = serializers.DateField(read_only=True, allow_null=True)
    open_actions = serializers.IntegerField(read_only=True)
    late_actions = serializers.IntegerField(read_only=True)
    joint_plan_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SecurityManagementTeam
        fields = ["id", "country", "security_area", "name", "established_on", "active",
                  "terms_of_reference", "meeting_state", "next_meeting", "open_actions",
                  "late_actions", "joint_plan_count", "version"]

    @extend_schema_field(SmtMeetingStateOutput)
    def get_meeting_state(self, team: SecurityManagementTeam) -> dict[str, Any]:
        return dict(SmtMeetingStateOutput(team.state).data)  # type: ignore[attr-defined]


class SmtTeamDetailOutput(SmtTeamOutput):
    members = serializers.SerializerMethodField()

    class Meta(SmtTeamOutput.Meta):
        fields = [*SmtTeamOutput.Meta.fields, "members"]

    @extend_schema_field(SmtMemberOutput(many=True))
    def get_members(self, team: SecurityManagementTeam) -> list[dict[str, Any]]:
        return list(SmtMemberOutput(selectors.team_members(team), many=True).data)


def _countries(*, user: Any) -> Any:
    areas = visible(user, Perm.MANAGE_SMT, SecurityArea.objects.all())
    return Country.objects.filter(pk__in=visible(user, Perm.MANAGE_SMT, Country.objects.all())
                                  .values("pk")) | Country.objects.filter(
        pk__in=areas.values("country_id"))


def _areas(*, user: Any) -> Any:
    return visible(user, Perm.MANAGE_SMT, SecurityArea.objects.all())


class SmtTeamInput(serializers.ModelSerializer[SecurityManagementTeam]):
    country = ScopedPrimaryKeyRelatedField(scope=_countries)
    security_area = ScopedPrimaryKeyRelatedField(scope=_areas, required=False, allow_null=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = SecurityManagementTeam
        fields = ["country", "security_area", "name", "established_on", "terms_of_reference",
                  "version"]


def _teams(*, user: Any) -> Any:
    return selectors.team_list(user=user, active="")


class SmtTeamViewSet(WritableServiceViewSet):
    """Security management teams in the caller's scope, each with its meeting state (the
    security level in force, when the next meeting is due, whether it is late). ``?late=yes``
    lists the late ones; the detail adds the members."""

    output_serializer = SmtTeamOutput
    input_serializer = SmtTeamInput
    selector = staticmethod(_teams)
    create_service = staticmethod(services.team_create)
    update_service = staticmethod(services.team_update)
    record_name = "team"

    def get_queryset(self) -> Any:
        late = self.request.query_params.get("late", "")
        return selectors.team_list(user=self.request.user, active="", late=late)

    @extend_schema(responses={200: SmtTeamDetailOutput})
    def retrieve(self, request: Request, pk: str) -> Response:
        team = selectors.team_get(user=request.user, pk=pk)
        return Response(SmtTeamDetailOutput(team).data)

    def output(self, obj: Any, status_code: int = status.HTTP_200_OK) -> Response:
        team = selectors.team_get(user=self.request.user, pk=obj.pk)
        return Response(SmtTeamDetailOutput(team).data, status=status_code)


# --- Meetings -------------------------------------------------------------------------------

class SmtAttendanceOutput(serializers.ModelSerializer[Attendance]):
    status = named_choices("SmtAttendanceStatusEnum", AttendanceStatus.choices,
                           read_only=True)

    class Meta:
        model = Attendance
        fields = ["user", "appointment", "guest_name", "organization", "status",
                  "represented_by"]


class SmtDecisionOutput(serializers.ModelSerializer[Decision]):
    class Meta:
        model = Decision
        fields = ["id", "number", "text"]


class SmtMeetingOutput(serializers.ModelSerializer[Meeting]):
    kind = named_choices("SmtMeetingKindEnum", MeetingKind.choices, read_only=True)
    status = named_choices("SmtMeetingStatusEnum", MeetingStatus.choices, read_only=True)
    attendance = SmtAttendanceOutput(many=True, read_only=True)
    decisions = SmtDecisionOutput(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "team", "held_on", "kind", "status", "location", "chaired_by", "agenda",
                  "summary", "minutes_approved_on", "recorded_by", "attendance", "decisions",
                  "version"]


def _managed_teams(*, user: Any) -> Any:
    return visible(user, Perm.MANAGE_SMT, SecurityManagementTeam.objects.filter(active=True))


class SmtMeetingInput(serializers.ModelSerializer[Meeting]):
    team = ScopedPrimaryKeyRelatedField(scope=_managed_teams)
    kind = named_choices("SmtMeetingKindEnum", MeetingKind.choices, required=False)
    chaired_by = ScopedPrimaryKeyRelatedField(scope=_users, required=False, allow_null=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Meeting
        fields = ["team", "held_on", "kind", "location", "chaired_by", "agenda", "version"]


class SmtAttendanceInput(serializers.Serializer[Any]):
    appointment = serializers.IntegerField(required=False, allow_null=True,
                                           help_text="A member's appointment (see the team's "
                                                     "members).")
    guest_name = serializers.CharField(required=False, allow_blank=True, default="")
    status = named_choices("SmtAttendanceStatusEnum", AttendanceStatus.choices)
    represented_by = serializers.CharField(required=False, allow_blank=True, default="")


class SmtRecordInput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    held_on = serializers.DateField()
    attendance = SmtAttendanceInput(many=True)
    decisions = serializers.ListField(child=serializers.CharField(allow_blank=True),
                                      required=False, default=list)
    agenda = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(required=False, allow_blank=True, default="")
    chaired_by = ScopedPrimaryKeyRelatedField(scope=_users, required=False, allow_null=True,
                                              default=None)
    minutes_approved_on = serializers.DateField(required=False, allow_null=True, default=None)


class SmtCancelInput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _meetings(*, user: Any) -> Any:
    return selectors.meeting_list(user=user).prefetch_related("attendance", "decisions")


class SmtMeetingViewSet(ServiceViewSet):
    """Meetings of the teams in the caller's scope, with attendance and decisions. POST
    schedules one; ``/<id>/record/`` records it as held; ``/<id>/cancel/`` cancels it."""

    output_serializer = SmtMeetingOutput
    input_serializer = SmtMeetingInput
    selector = staticmethod(_meetings)
    filterset_fields = ["team", "status"]

    @extend_schema(request=SmtMeetingInput, responses={201: SmtMeetingOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(SmtMeetingInput, request.data, user=request.user)
        data.pop("version", None)
        team = data.pop("team")
        return self.output(services.meeting_schedule(actor=request.user, team=team, data=data),
                           status.HTTP_201_CREATED)

    @extend_schema(request=SmtRecordInput, responses={200: SmtMeetingOutput})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str) -> Response:
        """Recorded as held: attendance (one row per member by appointment, or a guest),
        decisions in order, summary, minutes approved."""
        meeting = self.get_object()
        data = valid_input(SmtRecordInput, request.data, user=request.user)
        on = min(data["held_on"], timezone.localdate())
        members = {m.appointment.pk: m for m in selectors.team_members(meeting.team, on=on)}
        rows = []
        errors: dict[str, Any] = {}
        for index, row in enumerate(data["attendance"]):
            if row.get("appointment") is None:
                rows.append(services.AttendanceRow(status=row["status"],
                                                   guest_name=row["guest_name"],
                                                   represented_by=row["represented_by"]))
                continue
            member = members.get(row["appointment"])
            if member is None:
                errors[f"attendance[{index}].appointment"] = [
                    _("Not an appointment of a member of this team on that day.")]
                continue
            rows.append(services.AttendanceRow(
                status=row["status"], user=member.user, appointment=member.appointment,
                organization=member.organization, represented_by=row["represented_by"]))
        if errors:
            raise serializers.ValidationError(errors)
        saved = services.meeting_record(
            actor=request.user, meeting=meeting, version=data["version"],
            held_on=data["held_on"], attendance=rows, decisions=data["decisions"],
            agenda=data["agenda"], summary=data["summary"], location=data["location"],
            chaired_by=data["chaired_by"], minutes_approved_on=data["minutes_approved_on"])
        return self.output(selectors.meeting_get(user=request.user, pk=saved.pk))

    @extend_schema(request=SmtCancelInput, responses={200: SmtMeetingOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        data = valid_input(SmtCancelInput, request.data)
        return self.output(services.meeting_cancel(
            actor=request.user, meeting=self.get_object(), version=data["version"],
            reason=data["reason"]))


# --- Action points --------------------------------------------------------------------------

class SmtActionPointOutput(serializers.ModelSerializer[ActionPoint]):
    status = named_choices("SmtActionStatusEnum", ActionStatus.choices, read_only=True)
    late = serializers.SerializerMethodField()

    class Meta:
        model = ActionPoint
        fields = ["id", "team", "meeting", "decision", "text", "owner", "due_on", "status",
                  "late", "closed_on", "closed_by", "closure_note", "version"]

    def get_late(self, row: ActionPoint) -> bool:
        return rules.action_late(status=row.status, due_on=row.due_on,
                                 today=timezone.localdate())


def _held_meetings(*, user: Any) -> Any:
    return visible(user, Perm.MANAGE_SMT, Meeting.objects.filter(status=MeetingStatus.HELD))


class SmtActionPointInput(serializers.ModelSerializer[ActionPoint]):
    meeting = ScopedPrimaryKeyRelatedField(scope=_held_meetings)
    owner = ScopedPrimaryKeyRelatedField(scope=_users)
    decision = serializers.PrimaryKeyRelatedField(queryset=Decision.objects.all(),
                                                  required=False, allow_null=True)

    class Meta:
        model = ActionPoint
        fields = ["meeting", "decision", "text", "owner", "due_on"]


class SmtActionCloseInput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=[("done", "done"), ("drop", "dropped")])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SmtActionReopenInput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SmtActionPointViewSet(ServiceViewSet):
    """Action points of the teams in the caller's scope, and the caller's own. ``?late=yes``:
    open past their due date; ``?mine=yes``: the caller's own. An owner closes their own
    action point (``/<id>/close/``); the team's managers close and reopen any."""

    output_serializer = SmtActionPointOutput
    input_serializer = SmtActionPointInput
    selector = staticmethod(selectors.action_list)
    filterset_fields = ["team", "status", "meeting"]

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return selectors.action_list(user=self.request.user, late=params.get("late", ""),
                                     mine=params.get("mine", "") in {"yes", "true", "1"})

    @extend_schema(request=SmtActionPointInput, responses={201: SmtActionPointOutput})
    def create(self, request: Request) -> Response:
        data = valid_input(SmtActionPointInput, request.data, user=request.user)
        meeting = data.pop("meeting")
        return self.output(services.action_point_add(actor=request.user, meeting=meeting,
                                                     data=data), status.HTTP_201_CREATED)

    @extend_schema(request=SmtActionCloseInput, responses={200: SmtActionPointOutput})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        data = valid_input(SmtActionCloseInput, request.data)
        return self.output(services.action_point_close(
            actor=request.user, action=self.get_object(), version=data["version"],
            outcome=data["outcome"], note=data["note"]))

    @extend_schema(request=SmtActionReopenInput, responses={200: SmtActionPointOutput})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        data = valid_input(SmtActionReopenInput, request.data)
        return self.output(services.action_point_reopen(
            actor=request.user, action=self.get_object(), version=data["version"],
            reason=data["reason"]))


# --- Joint plans ----------------------------------------------------------------------------

class SmtJointPlanOutput(serializers.ModelSerializer[JointPlan]):
    kind = named_choices("SmtJointPlanKindEnum", JointPlanKind.choices, read_only=True)
    status = named_choices("SmtJointPlanStatusEnum", JointPlanStatus.choices, read_only=True)

    class Meta:
        model = JointPlan
        fields = ["id", "team", "title", "kind", "status", "organizations", "lead",
                  "agreed_at", "agreed_on", "security_plan", "review_due", "notes", "version"]


def _organizations(*, user: Any) -> Any:
    return Organization.objects.all()


def _security_plans(*, user: Any) -> Any:
    return security_plan_list(user=user)


class SmtJointPlanInput(serializers.ModelSerializer[JointPlan]):
    team = ScopedPrimaryKeyRelatedField(scope=_managed_teams)
    kind = named_choices("SmtJointPlanKindEnum", JointPlanKind.choices)
    organizations = ScopedPrimaryKeyRelatedField(scope=_organizations, many=True,
                                                 required=False)
    lead = ScopedPrimaryKeyRelatedField(scope=_users, required=False, allow_null=True)
    security_plan = ScopedPrimaryKeyRelatedField(scope=_security_plans, required=False,
                                                 allow_null=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = JointPlan
        fields = ["team", "title", "kind", "organizations", "lead", "review_due",
                  "security_plan", "notes", "version"]


class SmtJointPlanMoveInput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    agreed_on = serializers.DateField(required=False, allow_null=True, default=None)
    agreed_at = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all(),
                                                   required=False, allow_null=True,
                                                   default=None)


def _joint_plan_create(*, actor: Any, data: dict[str, Any],
                       organizations: list[Any] | None = None) -> JointPlan:
    team = data.pop("team")
    return services.joint_plan_create(actor=actor, team=team, data=data,
                                      organizations=organizations)


def _joint_plan_update(*, actor: Any, plan: JointPlan, data: dict[str, Any],
                       version: int | None, organizations: list[Any] | None = None
                       ) -> JointPlan:
    if "team" in data and data.pop("team") != plan.team:
        raise serializers.ValidationError({"team": [_("A plan stays with its team.")]})
    return services.joint_plan_update(actor=actor, plan=plan, data=data, version=version,
                                      organizations=organizations)


class SmtJointPlanViewSet(WritableServiceViewSet):
    """Joint plans of the teams in the caller's scope. ``/<id>/<move>/`` moves one: agree
    (with ``agreed_on`` or ``agreed_at``), implement, complete, abandon."""

    output_serializer = SmtJointPlanOutput
    input_serializer = SmtJointPlanInput
    selector = staticmethod(selectors.joint_plan_list)
    filterset_fields = ["team", "status", "kind"]
    create_service = staticmethod(_joint_plan_create)
    update_service = staticmethod(_joint_plan_update)
    record_name = "plan"
    aside = {"organizations": "organizations"}

    @extend_schema(request=SmtJointPlanMoveInput, responses={200: SmtJointPlanOutput},
                   operation_id="v1_coordination_joint_plans_move",
                   parameters=[OpenApiParameter("move", str, OpenApiParameter.PATH,
                                                enum=list(rules.JOINT_PLAN_TRANSITIONS),
                                                description="the step to take")])
    @action(detail=True, methods=["post"],
            url_path=rf"(?P<move>{'|'.join(rules.JOINT_PLAN_TRANSITIONS)})")
    def move(self, request: Request, pk: str, move: str) -> Response:
        data = valid_input(SmtJointPlanMoveInput, request.data)
        return self.output(services.joint_plan_transition(
            actor=request.user, plan=self.get_object(), action=move, version=data["version"],
            agreed_on=data["agreed_on"], agreed_at=data["agreed_at"]))


# --- Settings -------------------------------------------------------------------------------

@extend_schema_serializer(many=False)
class SmtSettingsOutput(serializers.Serializer[Any]):
    meeting_interval_days = serializers.DictField(child=serializers.IntegerField(),
                                                  help_text="Days by security level 1-6.")
    version = serializers.IntegerField()


# Days between meetings at each security level: each level 1-6, 1 to 366 days, and never more
# at a higher level than at the level below (smt_rules.validate_intervals).
INTERVALS_SCHEMA = {
    "type": "object", "required": [str(level) for level in rules.LEVELS],
    "properties": {str(level): {"type": "integer", "minimum": 1, "maximum": 366}
                   for level in rules.LEVELS},
    # Other keys are not read; their values may be anything but null (DictField's child).
    "additionalProperties": {"anyOf": [{"type": t} for t in (
        "string", "number", "boolean", "object", "array")]},
    "description": "Days by security level, \"1\" to \"6\": from 1 to 366 each, and never "
                   "more at a level than at the level below it (5 at level 3 allows at most "
                   "5 at level 4). Each fault names its level (level_4)."}


@extend_schema_field(INTERVALS_SCHEMA)
class IntervalsField(serializers.DictField):
    """The table of days by level; the service checks it and names each level at fault."""

    child = serializers.JSONField()


class SmtSettingsInput(serializers.Serializer[Any]):
    meeting_interval_days = IntervalsField()
    version = serializers.IntegerField(help_text="The version read, so that a concurrent "
                                                 "change is not overwritten.")


def _settings_body() -> dict[str, Any]:
    return {"meeting_interval_days": selectors.intervals(),
            "version": selectors.coordination_settings().version}


class SmtSettingsViewSet(ApiViewSet):
    """The days allowed between SMT meetings at each security level: read by every reader of
    coordination; changed (PUT, with the version read) by a global configurer. Each fault
    names its level (``level_3``)."""

    @extend_schema(responses={200: SmtSettingsOutput})
    def list(self, request: Request) -> Response:
        if not (has_perm_anywhere(request.user, Perm.VIEW_COORDINATION)
                or holds_globally(request.user, Perm.CONFIGURE_COORDINATION)):
            raise NotFound()
        return Response(SmtSettingsOutput(_settings_body()).data)

    @extend_schema(request=SmtSettingsInput, responses={200: SmtSettingsOutput},
                   operation_id="v1_coordination_settings_update")
    @action(detail=False, methods=["put"], url_path="update")
    def change(self, request: Request) -> Response:
        if not holds_globally(request.user, Perm.CONFIGURE_COORDINATION):
            raise Forbidden()
        data = valid_input(SmtSettingsInput, request.data)
        services.settings_update(actor=request.user,
                                 meeting_interval_days=data["meeting_interval_days"],
                                 version=data["version"])
        return Response(SmtSettingsOutput(_settings_body()).data)


ROUTES: list[tuple[str, type, str]] = [
    ("coordination/smts", SmtTeamViewSet, "coordination-smt"),
    ("coordination/meetings", SmtMeetingViewSet, "coordination-smt-meeting"),
    ("coordination/action-points", SmtActionPointViewSet, "coordination-smt-action-point"),
    ("coordination/joint-plans", SmtJointPlanViewSet, "coordination-joint-plan"),
    ("coordination/settings", SmtSettingsViewSet, "coordination-settings"),
]
