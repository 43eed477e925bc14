"""Pages of training: courses, sessions with their enrolments and waiting list, attendance and
results, completions and certificates, the import of a learning platform's export, who needs
and lacks a course at a duty station, 'My training', the iCalendar feed, and the public check
of a certificate code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally
from vigil.core.errors import NotFound, ValidationFailed
from vigil.core.forms import ImportForm
from vigil.core.views_support import (
    EditPage,
    apply_service,
    list_page,
    next_url,
    perm_required,
    submit_form,
)
from vigil.training import rules, selectors, services
from vigil.training.documents import certificate_pdf, sessions_calendar
from vigil.training.forms import (
    CompletionFilters,
    CompletionForm,
    CourseFilters,
    CourseForm,
    EnrolForm,
    NeedsForm,
    ResultForm,
    RevokeForm,
    SessionFilters,
    SessionForm,
    VerifyForm,
    VersionButton,
)
from vigil.training.models import Enrolment, Result, Session, SessionStatus

# The public check answers this many look-ups a minute from one address, then asks to wait.
VERIFY_PER_MINUTE = 30


# --- Courses ------------------------------------------------------------------------------------

@perm_required(Perm.VIEW_TRAINING)
def course_list(request: HttpRequest) -> HttpResponseBase:
    filters = CourseFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.course_list(user=request.user, **filters.selector_args()),
        template="training/course_list.html",
        table_template="training/partials/_course_table.html",
        sorts={"code": "code", "kind": "kind", "validity": "validity_months"},
        default_sort="code", filters=filters,
        extra={"may_manage": holds_globally(request.user, Perm.MANAGE_TRAINING)})


@perm_required(Perm.VIEW_TRAINING)
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_get(user=request.user, pk=pk)
    return render(request, "training/course_detail.html", {
        "course": course,
        "sessions": selectors.session_list(user=request.user, course=course.pk,
                                           when="upcoming").order_by("starts_at")[:20],
        "may_manage": can(request.user, Perm.MANAGE_TRAINING, course)})


course_edit = EditPage(
    form_class=CourseForm, perm=Perm.MANAGE_TRAINING, template="training/course_form.html",
    context_name="course", detail_url="training:course_detail",
    saved_message=_lazy("Course %(name)s saved."), get=selectors.course_get,
    create=services.course_create, update=services.course_update,
).view(may_create=lambda user: holds_globally(user, Perm.MANAGE_TRAINING))


# --- Sessions -----------------------------------------------------------------------------------

@perm_required(Perm.VIEW_TRAINING)
def session_list(request: HttpRequest) -> HttpResponseBase:
    data = request.GET.copy()
    if "when" not in data:
        data["when"] = "upcoming"
    filters = SessionFilters(data, user=request.user)
    return list_page(
        request, queryset=selectors.session_list(user=request.user, **filters.selector_args()),
        template="training/session_list.html",
        table_template="training/partials/_session_table.html",
        sorts={"starts": "starts_at", "course": "course__code", "station": "duty_station__name",
               "status": "status"},
        default_sort="starts" if data.get("when") != "past" else "-starts", filters=filters,
        columns=[(_lazy("Course"), lambda s: s.course.code),
                 (_lazy("Starts (UTC)"), lambda s: s.starts_at),
                 (_lazy("Ends (UTC)"), lambda s: s.ends_at),
                 (_lazy("Place"), lambda s: s.place_label),
                 (_lazy("Places"), lambda s: s.capacity),
                 (_lazy("Enrolled"), lambda s: s.seated),
                 (_lazy("Waiting"), lambda s: s.waiting),
                 (_lazy("Status"), lambda s: s.get_status_display())],
        export_name="training-sessions",
        extra={"may_manage": has_perm_anywhere(request.user, Perm.MANAGE_TRAINING)})


@perm_required(Perm.VIEW_TRAINING)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    may_manage = can(request.user, Perm.MANAGE_TRAINING, session)
    enrolments = selectors.session_enrolments(user=request.user, session=session)
    open_for_enrolment = (session.status == SessionStatus.SCHEDULED
                          and session.ends_at > timezone.now())
    enrol_form = EnrolForm(user=request.user, session=session) if open_for_enrolment and \
        has_perm_anywhere(request.user, Perm.ENROL) else None
    for e in enrolments:
        e.may_cancel = e.status in rules.ACTIVE_STATES and can(  # type: ignore[attr-defined]
            request.user, Perm.ENROL, e)
    return render(request, "training/session_detail.html", {
        "session": session, "enrolments": enrolments, "may_manage": may_manage,
        "enrol_form": enrol_form if enrol_form and enrol_form.has_choices else None,
        "started": session.starts_at <= timezone.now(),
        "result_choices": Result.choices})


session_edit = EditPage(
    form_class=SessionForm, perm=Perm.MANAGE_TRAINING, template="training/session_form.html",
    context_name="session", detail_url="training:session_detail",
    saved_message=_lazy("Session %(name)s saved."), get=selectors.session_get,
    create=services.session_create, update=services.session_update,
).view(form_kwargs=lambda request: {"user": request.user})


def _session_back(session: Session) -> str:
    return reverse("training:session_detail", args=[session.pk])


@login_required
@require_POST
def session_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    if action not in services.SESSION_MOVES:
        raise NotFound()
    return submit_form(
        request, VersionButton(request.POST),
        lambda data: services.session_transition(actor=request.user, session=session,
                                                 action=action, version=data["version"]),
        back=_session_back(session), success=lambda s: _("Session %(session)s: %(status)s.")
        % {"session": s, "status": s.get_status_display()})


@login_required
@require_POST
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    form = EnrolForm(request.POST, user=request.user, session=session)

    def enrol(data: dict[str, Any]) -> Enrolment:
        person, dependant = form.holder(request.user)
        return services.enrolment_create(actor=request.user, session=session, person=person,
                                         dependant=dependant)

    return submit_form(request, form, enrol, back=_session_back(session),
                       success=lambda e: _("%(name)s: %(status)s.") % {
                           "name": e.holder_name, "status": e.get_status_display()})


def _enrolment(request: HttpRequest, pk: int) -> Enrolment:
    return selectors.enrolment_get(user=request.user, pk=pk)


@login_required
@require_POST
def enrolment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk)
    return submit_form(
        request, VersionButton(request.POST),
        lambda data: services.enrolment_cancel(actor=request.user, enrolment=enrolment,
                                               version=data["version"]),
        back=next_url(request, _session_back(enrolment.session)),
        success=lambda e: _("%(name)s: enrolment cancelled.") % {"name": e.holder_name})


@login_required
@require_POST
def enrolment_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk)
    attended = request.POST.get("attended") == "yes"
    return submit_form(
        request, VersionButton(request.POST),
        lambda data: services.enrolment_attendance(
            actor=request.user, enrolment=enrolment, attended=attended,
            version=data["version"]),
        back=_session_back(enrolment.session),
        success=lambda e: _("%(name)s: %(status)s.") % {"name": e.holder_name,
                                                        "status": e.get_status_display()})


@login_required
@require_POST
def enrolment_result(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk)
    return submit_form(
        request, ResultForm(request.POST),
        lambda data: services.enrolment_result(
            actor=request.user, enrolment=enrolment, result=data["result"],
            score=data["score"], completed_on=data["completed_on"], version=data["version"]),
        back=_session_back(enrolment.session),
        success=lambda e: _("%(name)s: %(result)s.") % {"name": e.holder_name,
                                                        "result": e.get_result_display()})


# --- Completions and certificates ---------------------------------------------------------------

@perm_required(Perm.VIEW_TRAINING)
def completion_list(request: HttpRequest) -> HttpResponseBase:
    filters = CompletionFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.completion_list(user=request.user,
                                                    **filters.selector_args()),
        template="training/completion_list.html",
        table_template="training/partials/_completion_table.html",
        sorts={"completed": "completed_on", "course": "course__code",
               "name": "person__family_name", "expires": "expires_on"},
        default_sort="-completed", filters=filters,
        columns=[(_lazy("Index number"), lambda c: c.person.index_number),
                 (_lazy("Name"), lambda c: c.holder_name),
                 (_lazy("Dependant"), lambda c: bool(c.dependant_id)),
                 (_lazy("Course"), lambda c: c.course.code),
                 (_lazy("Completed on"), lambda c: c.completed_on),
                 (_lazy("No longer valid from"), lambda c: c.expires_on),
                 (_lazy("Source"), lambda c: c.get_source_display()),
                 (_lazy("Certificate code"), lambda c: c.certificate_code),
                 (_lazy("Revoked"), lambda c: c.revoked)],
        export_name="training-completions", export_perm=Perm.MANAGE_TRAINING,
        extra={"today": timezone.localdate(),
               "may_manage": has_perm_anywhere(request.user, Perm.MANAGE_TRAINING),
               "may_import": has_perm_anywhere(request.user, Perm.IMPORT_COMPLETIONS)})


@perm_required(Perm.VIEW_TRAINING)
def completion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    completion = selectors.completion_get(user=request.user, pk=pk)
    today = timezone.localdate()
    return render(request, "training/completion_detail.html", {
        "completion": completion, "revoke_form": RevokeForm(),
        "state": rules.validity_state(completion.completed_on, completion.expires_on, today,
                                      revoked=completion.revoked),
        "may_manage": can(request.user, Perm.MANAGE_TRAINING, completion)
        and not completion.revoked,
        "verify_url": request.build_absolute_uri(
            reverse("training:verify", args=[completion.certificate_code]))})


@perm_required(Perm.VIEW_TRAINING)
def completion_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    completion = selectors.completion_get(user=request.user, pk=pk)
    if completion.revoked:
        raise NotFound()
    url = request.build_absolute_uri(reverse("training:verify",
                                             args=[completion.certificate_code]))
    response = HttpResponse(certificate_pdf(completion, verify_url=url),
                            content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="certificate-{completion.certificate_code}.pdf"')
    return response


@login_required
@require_POST
def completion_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    completion = selectors.completion_get(user=request.user, pk=pk)
    return submit_form(
        request, RevokeForm(request.POST),
        lambda data: services.completion_revoke(actor=request.user, completion=completion,
                                                reason=data["reason"]),
        back=reverse("training:completion_detail", args=[completion.pk]),
        success=_("Certificate revoked."))


@perm_required(Perm.MANAGE_TRAINING)
@require_http_methods(["GET", "POST"])
def completion_create(request: HttpRequest) -> HttpResponse:
    form = CompletionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = apply_service(form, lambda: services.completion_record(
            actor=request.user, person=data["person"], course=data["course"],
            completed_on=data["completed_on"], score=data["score"]))
        if done is not None:
            messages.success(request, _("Completion recorded: certificate %(code)s.")
                             % {"code": done.certificate_code})
            return redirect("training:completion_detail", pk=done.pk)
    return render(request, "training/completion_form.html", {"form": form})


@perm_required(Perm.IMPORT_COMPLETIONS)
@require_http_methods(["GET", "POST"])
def completion_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "required": services.IMPORT_REQUIRED,
                               "optional": services.IMPORT_OPTIONAL}
    if request.method == "POST" and form.is_valid():
        try:
            context["report"] = services.completions_import(
                actor=request.user, data=form.cleaned_data["file"].read(),
                skip_invalid=form.cleaned_data["skip_invalid"])
        except ValidationFailed as exc:
            context.update(errors=exc.errors, message=exc.message)
            return render(request, "training/import.html", context, status=400)
    return render(request, "training/import.html", context)


# --- Needs, my training ---------------------------------------------------------------------------

@perm_required(Perm.VIEW_TRAINING)
def needs(request: HttpRequest) -> HttpResponse:
    form = NeedsForm(request.GET or None, user=request.user)
    if not request.GET:
        first = form.fields["duty_station"].queryset.first()  # type: ignore[attr-defined]
        form = NeedsForm({"duty_station": first.pk} if first else None, user=request.user)
    station = form.cleaned_data["duty_station"] if form.is_bound and form.is_valid() else None
    return render(request, "training/needs.html", {
        "form": form, "station": station, "today": timezone.localdate(),
        "needs": selectors.needs_at(user=request.user, duty_station=station)
        if station else []})


@perm_required(Perm.VIEW_TRAINING)
def my_training(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_training(user=request.user)
    today = timezone.localdate()
    for c in mine["completions"]:
        c.state = rules.validity_state(c.completed_on, c.expires_on, today, revoked=c.revoked)
    return render(request, "training/my_training.html", {
        **mine, "today": today,
        "upcoming": selectors.sessions_open_for_enrolment(user=request.user)[:10]})


# --- Public: the calendar feed and the check of a certificate -------------------------------------

@require_GET
def sessions_ics(request: HttpRequest) -> HttpResponse:
    """Every session from a month ago on, for calendar applications (which do not sign in):
    courses, places and times only, nobody's name."""
    since = timezone.now() - dt.timedelta(days=30)
    sessions = list(Session.objects.select_related("course", "duty_station")
                    .filter(ends_at__gte=since).order_by("starts_at")[:2000])
    body = sessions_calendar(sessions, host=request.get_host().split(":")[0],
                             url_of={s.pk: request.build_absolute_uri(_session_back(s))
                                     for s in sessions})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="training-sessions.ics"'
    return response


def _throttled(request: HttpRequest) -> bool:
    key = f"training-verify:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > VERIFY_PER_MINUTE
    except ValueError:
        return False


@require_GET
def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """Is this certificate real and valid: says only valid, expired, revoked or unknown, and
    for a real one the course and its dates. Open to anyone; nothing about the holder."""
    form = VerifyForm(request.GET or None)
    if not code and form.is_valid():
        return redirect("training:verify", code=rules.normalized_code(
            form.cleaned_data["code"]))
    if code and _throttled(request):
        return render(request, "training/verify.html", {"form": form, "throttled": True},
                      status=429)
    result = selectors.certificate_check(code) if code else None
    return render(request, "training/verify.html", {
        "form": VerifyForm(initial={"code": code}) if code else form, "result": result,
        "code": code})
