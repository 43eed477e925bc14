"""Pages of security management teams: the list of teams; the team page (members with their
organizations, meeting status, the next meeting, late and open action points, role gaps and
overdue duties, joint plans, recent decisions); meetings (schedule, edit, record as held with
the attendance of each member, cancel); action points (add, edit, close, reopen, the lists and
"My action points"); joint plans; the decisions register; the meeting intervals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.coordination import accountability_selectors as accountability
from vigil.coordination import smt_rules as rules
from vigil.coordination import smt_selectors as selectors
from vigil.coordination import smt_services as services
from vigil.coordination.models import (
    ActionStatus,
    AttendanceStatus,
    JointPlanStatus,
    MeetingStatus,
    PlaceLevel,
)
from vigil.coordination.smt_forms import (
    ActionCloseForm,
    ActionFilters,
    ActionForm,
    ActionReopenForm,
    AttendanceFormSet,
    CancelForm,
    DecisionFilters,
    JointPlanForm,
    JointPlanMoveForm,
    MeetingForm,
    MeetingRecordForm,
    PlanFilters,
    SettingsForm,
    TeamFilters,
    TeamForm,
    VersionOnly,
)
from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally, require
from vigil.core.errors import DomainError, NotFound, ValidationFailed
from vigil.core.levels import LEVEL_LABELS
from vigil.core.views_support import (
    EditPage,
    apply_service,
    changed_data,
    fresh_copy,
    list_page,
    next_url,
    perm_required,
    submit_form,
)
from vigil.places.models import DutyStation

PLAN_MOVES = {"agree": _lazy("Agreed by the team"), "implement": _lazy("Start implementing"),
              "complete": _lazy("Completed"), "abandon": _lazy("Abandon")}


# --- Teams ----------------------------------------------------------------------------------

@perm_required(Perm.VIEW_COORDINATION)
def team_list(request: HttpRequest) -> HttpResponseBase:
    filters = TeamFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.team_list(user=request.user, **filters.selector_args()),
        template="coordination/smt/team_list.html",
        table_template="coordination/smt/partials/_team_table.html",
        sorts={"country": "country__name", "name": "name", "level": "level",
               "last": "last_held", "basis": "basis", "late": "late_actions"},
        default_sort="country", filters=filters,
        columns=[(_lazy("Team"), lambda t: t.name),
                 (_lazy("Country"), lambda t: t.country.name),
                 (_lazy("Security area"), lambda t: t.security_area.name
                  if t.security_area else ""),
                 (_lazy("Security level"), lambda t: t.level),
                 (_lazy("Last meeting"), lambda t: t.last_held),
                 (_lazy("Next meeting due"), lambda t: t.state.due_on),
                 (_lazy("Late"), lambda t: _("Yes") if t.state.late else _("No")),
                 (_lazy("Days late"), lambda t: t.state.days_late),
                 (_lazy("Next meeting scheduled"), lambda t: t.next_meeting),
                 (_lazy("Open action points"), lambda t: t.open_actions),
                 (_lazy("Late action points"), lambda t: t.late_actions),
                 (_lazy("Joint plans"), lambda t: t.joint_plan_count),
                 (_lazy("Active"), lambda t: _("Yes") if t.active else _("No"))],
        export_name="security-management-teams",
        extra={"may_manage": has_perm_anywhere(request.user, Perm.MANAGE_SMT)})


def _accountability(user: Any, team: Any) -> dict[str, Any]:
    """The role gaps and overdue duties of the team's place, as the accountability framework
    reads them: a country team sees its country's; an area team, those of its area and of the
    duty stations in it."""
    gaps = accountability.gaps(user=user, country_id=team.country_id)
    if team.security_area_id is not None:
        stations = set(DutyStation.objects.filter(
            security_area_id=team.security_area_id).values_list("pk", flat=True))
        gaps = [g for g in gaps
                if (g.place.level == PlaceLevel.SECURITY_AREA
                    and g.place.pk == team.security_area_id)
                or (g.place.level == PlaceLevel.DUTY_STATION and g.place.pk in stations)]
    return {"gaps": gaps, "duties": accountability.overdue_duties(
        user=user, country_id=team.country_id)}


@perm_required(Perm.VIEW_COORDINATION)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The team page: everything the chief security adviser needs about the team, at once."""
    team = selectors.team_get(user=request.user, pk=pk)
    today = timezone.localdate()
    late, upcoming = selectors.open_actions(team=team, today=today)
    may_manage = can(request.user, Perm.MANAGE_SMT, team)
    return render(request, "coordination/smt/team_detail.html", {
        "team": team, "today": today, "state": getattr(team, "state", None),
                "members": selectors.team_members(team, on=today),
        "next_meeting": selectors.next_scheduled(team, today=today),
        "meetings": selectors.meeting_list(user=request.user, team=team)[:8],
        "late_actions": late, "open_actions": upcoming,
        "plans": selectors.joint_plan_list(user=request.user, team=team)[:20],
        "decisions": selectors.decision_list(user=request.user, team=team)[:10],
        **_accountability(request.user, team),
        "may_manage": may_manage and team.active, "deactivate_form": VersionOnly(
            initial={"version": team.version})})


team_edit = EditPage(
    form_class=TeamForm, perm=Perm.MANAGE_SMT, template="coordination/smt/team_form.html",
    context_name="team", detail_url="coordination:smt_detail",
    saved_message=_lazy("Team %(name)s saved."), get=selectors.team_get,
    create=services.team_create, update=services.team_update,
    fixed=("country", "security_area"),
).view(form_kwargs=lambda request: {"user": request.user})


@login_required
@require_POST
def team_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get(user=request.user, pk=pk)
    return submit_form(
        request, VersionOnly(request.POST),
        lambda data: services.team_deactivate(actor=request.user, team=team,
                                              version=data["version"]),
        back=reverse("coordination:smt_detail", args=[team.pk]),
        success=_("The team is closed; its records are kept."))


# --- Meetings -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_SMT, team)
    form = MeetingForm(request.POST or None, team=team, initial={
        "chaired_by": next((m.user.pk for m in selectors.team_members(team)
                            if m.function == "designated_official"), None)})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.meeting_schedule(
            actor=request.user, team=team,
            data=changed_data(form, sorted(services.MEETING_FIELDS))))
        if saved is not None:
            messages.success(request, _("Meeting scheduled."))
            return redirect("coordination:smt_meeting_detail", pk=saved.pk)
    return render(request, "coordination/smt/meeting_form.html",
                  {"form": form, "team": team, "meeting": None})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_SMT, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        messages.error(request, _("Only a scheduled meeting is edited here; record a meeting "
                                  "that was held again to correct it."))
        return redirect("coordination:smt_meeting_detail", pk=meeting.pk)
    form = MeetingForm(request.POST or None, instance=fresh_copy(meeting), team=meeting.team,
                       initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.meeting_update(
            actor=request.user, meeting=meeting, version=form.cleaned_data.get("version"),
            data=changed_data(form, sorted(services.MEETING_FIELDS))))
        if saved is not None:
            messages.success(request, _("Meeting saved."))
            return redirect("coordination:smt_meeting_detail", pk=meeting.pk)
    return render(request, "coordination/smt/meeting_form.html",
                  {"form": form, "team": meeting.team, "meeting": meeting})


@perm_required(Perm.VIEW_COORDINATION)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    may_manage = can(request.user, Perm.MANAGE_SMT, meeting) and meeting.team.active
    return render(request, "coordination/smt/meeting_detail.html", {
        "meeting": meeting, "team": meeting.team, "today": timezone.localdate(),
        "attendance": selectors.attendance_of(meeting),
        "decisions": selectors.decisions_of(meeting),
        "actions": meeting.action_points.select_related("owner", "decision").order_by(
            "due_on", "pk"),
        "may_manage": may_manage,
        "action_form": ActionForm(meeting=meeting) if may_manage
        and meeting.status == MeetingStatus.HELD else None,
        "cancel_form": CancelForm(initial={"version": meeting.version})})


def _attendance_initial(meeting: Any, members: list[Any]) -> list[dict[str, Any]]:
    recorded = {a.user_id: a for a in meeting.attendance.all() if a.user_id}
    return [{"appointment": m.appointment.pk,
             "status": recorded[m.user.pk].status if m.user.pk in recorded
             else AttendanceStatus.PRESENT,
             "represented_by": recorded[m.user.pk].represented_by
             if m.user.pk in recorded else ""} for m in members]


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a meeting as held: its facts, one attendance row per member, guests and the
    decisions in order. Recording a meeting held again corrects it."""
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_SMT, meeting)
    on = meeting.held_on if meeting.held_on <= timezone.localdate() else timezone.localdate()
    members = selectors.team_members(meeting.team, on=on)
    by_appointment = {m.appointment.pk: m for m in members}
    decisions = list(meeting.decisions.order_by("number").values_list("text", flat=True))
    guests = list(meeting.attendance.filter(user__isnull=True).values_list("guest_name",
                                                                          flat=True))
    form = MeetingRecordForm(request.POST or None, meeting=meeting, decisions=decisions,
                             initial={"version": meeting.version, "held_on": on,
                                      "location": meeting.location,
                                      "chaired_by": meeting.chaired_by_id,
                                      "agenda": meeting.agenda, "summary": meeting.summary,
                                      "guests": "\n".join(guests),
                                      "minutes_approved_on": meeting.minutes_approved_on})
    formset = AttendanceFormSet(request.POST or None, prefix="attendance",
                                initial=_attendance_initial(meeting, members))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = []
        for row in formset.cleaned_data:
            member = by_appointment.get(int(row.get("appointment") or 0))
            if member is None:
                continue  # a member whose appointment ended since the page was opened
            rows.append(services.AttendanceRow(
                status=row["status"], user=member.user, appointment=member.appointment,
                organization=member.organization, represented_by=row.get("represented_by")
                or ""))
        rows += [services.AttendanceRow(status=AttendanceStatus.PRESENT, guest_name=name)
                 for name in form.guest_names()]
        data = form.cleaned_data
        saved = _record(request, form, formset, meeting, rows, data)
        if saved is not None:
            messages.success(request, _("Meeting recorded as held."))
            return redirect("coordination:smt_meeting_detail", pk=meeting.pk)
    return render(request, "coordination/smt/meeting_record.html", {
        "form": form, "formset": formset, "meeting": meeting, "team": meeting.team,
        "rows": list(zip(formset.forms, members, strict=False))})


def _record(request: HttpRequest, form: Any, formset: Any, meeting: Any, rows: list[Any],
            data: dict[str, Any]) -> Any:
    """Call the service; a fault of an attendance row goes beside that row."""
    try:
        return services.meeting_record(
            actor=request.user, meeting=meeting, version=data["version"],
            held_on=data["held_on"], attendance=rows, decisions=form.decisions(),
            agenda=data.get("agenda") or "", summary=data.get("summary") or "",
            location=data.get("location") or "", chaired_by=data.get("chaired_by"),
            minutes_approved_on=data.get("minutes_approved_on"))
    except ValidationFailed as exc:
        for error in exc.errors:
            if error.field.startswith("attendance["):
                index = int(error.field[len("attendance["):].split("]")[0])
                name = error.field.rsplit(".", 1)[-1]
                if index < len(formset.forms):
                    target = formset.forms[index]
                    target.add_error(name if name in target.fields else None,
                                     str(error.message))
                else:
                    form.add_error("guests", str(error.message))
            elif error.field in form.fields:
                form.add_error(error.field, str(error.message))
            elif error.field == "decisions":
                form.add_error("decision_1", str(error.message))
            else:
                form.add_error(None, str(error.message))
        return None
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        form.add_error(None, str(exc.message))
        return None


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    return submit_form(
        request, CancelForm(request.POST),
        lambda data: services.meeting_cancel(actor=request.user, meeting=meeting,
                                             version=data["version"],
                                             reason=data["reason"] or ""),
        back=reverse("coordination:smt_meeting_detail", args=[meeting.pk]),
        success=_("Meeting cancelled."))


# --- Action points --------------------------------------------------------------------------

@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    return submit_form(
        request, ActionForm(request.POST, meeting=meeting),
        lambda data: services.action_point_add(
            actor=request.user, meeting=meeting,
            data={k: v for k, v in data.items() if k != "version"}),
        back=reverse("coordination:smt_meeting_detail", args=[meeting.pk]),
        success=_("Action point added."))


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.action_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_SMT, row)
    back = reverse("coordination:smt_meeting_detail", args=[row.meeting_id])
    if row.status != ActionStatus.OPEN:
        messages.error(request, _("A closed action point is kept as it was closed; reopen "
                                  "it first."))
        return redirect(back)
    form = ActionForm(request.POST or None, instance=fresh_copy(row), meeting=row.meeting,
                      initial={"version": row.version})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.action_point_update(
            actor=request.user, action=row, version=form.cleaned_data.get("version"),
            data=changed_data(form, sorted(services.ACTION_FIELDS))))
        if saved is not None:
            messages.success(request, _("Action point saved."))
            return redirect(back)
    return render(request, "coordination/smt/action_form.html",
                  {"form": form, "action": row, "back": back})


def _back(request: HttpRequest, row: Any) -> str:
    return next_url(request, reverse("coordination:smt_action_detail", args=[row.pk]))


@login_required
@require_POST
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.action_get(user=request.user, pk=pk)
    return submit_form(
        request, ActionCloseForm(request.POST),
        lambda data: services.action_point_close(
            actor=request.user, action=row, version=data["version"],
            outcome=data["outcome"], note=data["note"] or ""),
        back=_back(request, row), success=lambda a: _("Action point closed: %(status)s.")
        % {"status": a.get_status_display()})


@login_required
@require_POST
def action_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.action_get(user=request.user, pk=pk)
    return submit_form(
        request, ActionReopenForm(request.POST),
        lambda data: services.action_point_reopen(
            actor=request.user, action=row, version=data["version"],
            reason=data["reason"] or ""),
        back=_back(request, row), success=_("Action point reopened."))


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One action point, for its owner and the team: what, who, by when, from which meeting
    and decision, and its closing (or reopening)."""
    row = selectors.action_get(user=request.user, pk=pk)
    may_manage = can(request.user, Perm.MANAGE_SMT, row)
    return render(request, "coordination/smt/action_detail.html", {
        "action": row, "today": timezone.localdate(),
        "late": rules.action_late(status=row.status, due_on=row.due_on,
                                  today=timezone.localdate()),
        "may_see_team": can(request.user, Perm.VIEW_COORDINATION, row),
        "may_close": row.status == ActionStatus.OPEN and services.may_close(request.user, row),
        "may_reopen": row.status != ActionStatus.OPEN and may_manage,
        "may_edit": row.status == ActionStatus.OPEN and may_manage,
        "close_form": ActionCloseForm(initial={"version": row.version}),
        "reopen_form": ActionReopenForm(initial={"version": row.version})})


def _action_columns() -> list[Any]:
    return [(_lazy("Due"), lambda a: a.due_on),
            (_lazy("Team"), lambda a: a.team.name),
            (_lazy("Action"), lambda a: a.text),
            (_lazy("Owner"), lambda a: a.owner.get_username()),
            (_lazy("Meeting"), lambda a: a.meeting.held_on),
            (_lazy("Status"), lambda a: a.get_status_display()),
            (_lazy("Closed on"), lambda a: a.closed_on),
            (_lazy("How it was closed"), lambda a: a.closure_note)]


@perm_required(Perm.VIEW_COORDINATION)
def action_list(request: HttpRequest) -> HttpResponseBase:
    filters = ActionFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.action_list(user=request.user, **filters.selector_args()),
        template="coordination/smt/action_list.html",
        table_template="coordination/smt/partials/_action_table.html",
        sorts={"due": "due_on", "team": "team__name", "status": "status"},
        default_sort="due", filters=filters, columns=_action_columns(),
        export_name="smt-action-points",
        extra={"today": timezone.localdate(), "mine": False})


@login_required
def action_mine(request: HttpRequest) -> HttpResponseBase:
    """The user's own action points, whatever their role: an owner closes them here."""
    filters = ActionFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.action_list(user=request.user, mine=True,
                                                **filters.selector_args()),
        template="coordination/smt/action_list.html",
        table_template="coordination/smt/partials/_action_table.html",
        sorts={"due": "due_on", "team": "team__name", "status": "status"},
        default_sort="due", filters=filters, columns=_action_columns(),
        export_name="my-smt-action-points",
        extra={"today": timezone.localdate(), "mine": True,
               "close_form": ActionCloseForm()})


# --- Joint plans ----------------------------------------------------------------------------

@perm_required(Perm.VIEW_COORDINATION)
def plan_list(request: HttpRequest) -> HttpResponseBase:
    filters = PlanFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.joint_plan_list(user=request.user,
                                                    **filters.selector_args()),
        template="coordination/smt/plan_list.html",
        table_template="coordination/smt/partials/_plan_table.html",
        sorts={"team": "team__name", "title": "title", "status": "status",
               "review": "review_due"},
        default_sort="team", filters=filters,
        columns=[(_lazy("Team"), lambda p: p.team.name),
                 (_lazy("Title"), lambda p: p.title),
                 (_lazy("Kind"), lambda p: p.get_kind_display()),
                 (_lazy("Status"), lambda p: p.get_status_display()),
                 (_lazy("Organizations"), lambda p: [o.code for o in p.organizations.all()]),
                 (_lazy("Agreed on"), lambda p: p.agreed_on),
                 (_lazy("Review due"), lambda p: p.review_due)],
        export_name="smt-joint-plans", extra={"today": timezone.localdate()})


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_SMT, team)
    form = JointPlanForm(request.POST or None, team=team, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.joint_plan_create(
            actor=request.user, team=team,
            data=changed_data(form, sorted(services.PLAN_FIELDS)),
            organizations=list(form.cleaned_data.get("organizations") or [])))
        if saved is not None:
            messages.success(request, _("Joint plan %(name)s saved.") % {"name": saved})
            return redirect("coordination:smt_plan_detail", pk=saved.pk)
    return render(request, "coordination/smt/plan_form.html",
                  {"form": form, "team": team, "plan": None})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.joint_plan_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_SMT, plan)
    form = JointPlanForm(request.POST or None, instance=fresh_copy(plan), team=plan.team,
                         user=request.user, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: services.joint_plan_update(
            actor=request.user, plan=plan, version=form.cleaned_data.get("version"),
            data=changed_data(form, sorted(services.PLAN_FIELDS)),
            organizations=list(form.cleaned_data.get("organizations") or [])))
        if saved is not None:
            messages.success(request, _("Joint plan %(name)s saved.") % {"name": saved})
            return redirect("coordination:smt_plan_detail", pk=plan.pk)
    return render(request, "coordination/smt/plan_form.html",
                  {"form": form, "team": plan.team, "plan": plan})


@perm_required(Perm.VIEW_COORDINATION)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.joint_plan_get(user=request.user, pk=pk)
    may_manage = can(request.user, Perm.MANAGE_SMT, plan)
    moves = [{"action": a, "label": PLAN_MOVES[a]}
             for a in rules.allowed_actions(rules.JOINT_PLAN_TRANSITIONS, plan.status)]
    return render(request, "coordination/smt/plan_detail.html", {
        "plan": plan, "team": plan.team, "today": timezone.localdate(),
        "organizations": plan.organizations.order_by("code"),
        "moves": moves if may_manage else [],
        "may_edit": may_manage and plan.status not in {JointPlanStatus.COMPLETED,
                                                       JointPlanStatus.ABANDONED},
        "move_form": JointPlanMoveForm(plan=plan, initial={"version": plan.version}),
        # The security plan is linked only for a reader who may open it (a reader over one
        # security area sees its team's plans, not the country's security plan).
        "security_plan_link": plan.security_plan is not None
        and can(request.user, Perm.VIEW_RISK, plan.security_plan)})


@login_required
@require_POST
def plan_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = selectors.joint_plan_get(user=request.user, pk=pk)
    if action not in rules.JOINT_PLAN_TRANSITIONS:
        raise NotFound()
    return submit_form(
        request, JointPlanMoveForm(request.POST, plan=plan),
        lambda data: services.joint_plan_transition(
            actor=request.user, plan=plan, action=action, version=data["version"],
            agreed_on=data.get("agreed_on"), agreed_at=data.get("agreed_at")),
        back=reverse("coordination:smt_plan_detail", args=[plan.pk]),
        success=lambda p: _("Joint plan %(plan)s: %(status)s.") % {
            "plan": p, "status": p.get_status_display()})


# --- Decisions ------------------------------------------------------------------------------

@perm_required(Perm.VIEW_COORDINATION)
def decision_list(request: HttpRequest) -> HttpResponseBase:
    filters = DecisionFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.decision_list(user=request.user,
                                                  **filters.selector_args()),
        template="coordination/smt/decision_list.html",
        table_template="coordination/smt/partials/_decision_table.html",
        sorts={"meeting": "meeting__held_on", "team": "meeting__team__name"},
        default_sort="-meeting", filters=filters,
        columns=[(_lazy("Meeting"), lambda d: d.meeting.held_on),
                 (_lazy("Team"), lambda d: d.meeting.team.name),
                 (_lazy("Number"), lambda d: d.number),
                 (_lazy("Decision"), lambda d: d.text),
                 (_lazy("Open action points"), lambda d: d.open_actions)],
        export_name="smt-decisions")


# --- Settings -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """The meeting intervals in force, for every reader of coordination; changed by a global
    configurer."""
    may_change = holds_globally(request.user, Perm.CONFIGURE_COORDINATION)
    if not may_change and not has_perm_anywhere(request.user, Perm.VIEW_COORDINATION):
        raise NotFound()
    current = selectors.coordination_settings()
    table = selectors.intervals()
    form = SettingsForm(request.POST or None if may_change else None, intervals=table,
                        initial={"version": current.version})
    if request.method == "POST" and may_change and form.is_valid():
        saved = apply_service(form, lambda: services.settings_update(
            actor=request.user, meeting_interval_days=form.intervals(),
            version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("Meeting intervals saved."))
            return redirect("coordination:smt_settings")
    return render(request, "coordination/smt/settings.html", {
        "form": form, "current": current, "may_change": may_change,
        "rows": [{"level": level, "label": LEVEL_LABELS[level], "days": table[str(level)]}
                 for level in rules.LEVELS]})
