from __future__ import annotations

import sys
from typing import Any, TypeVar, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from vigil.core import account, audit, mfa, navigation, selectors, services
from vigil.core.authz import Perm, Role, grants_of, holds_globally, roles_of
from vigil.core.errors import Forbidden
from vigil.core.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from vigil.core.i18n import is_spoken
from vigil.core.views_support import apply_service, list_page


def _language_cookie(response: HttpResponseBase, language: str) -> None:
    """The cookie LocaleMiddleware reads, set as Django's own language switcher sets it."""
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                        max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH,
                        domain=settings.LANGUAGE_COOKIE_DOMAIN,
                        secure=settings.LANGUAGE_COOKIE_SECURE,
                        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE)


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("Sign in")}

    def form_valid(self, form: Any) -> HttpResponse:
        # Signing in took the browser's language if the account had none (core.receivers).
        # A language picked with the switcher on this browser before signing in (its cookie)
        # is the person's latest choice and becomes the account's; otherwise an account that
        # has one shows its pages in it, on whatever browser.
        response = super().form_valid(form)
        user = form.get_user()  # signed in now
        picked = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if is_spoken(picked):
            services.user_language_set(actor=user, user=user, language=picked)
            return response
        language = selectors.language_chosen(user)
        if language:
            _language_cookie(response, language)
        return response

    def get_success_url(self) -> str:
        """Where the sign-in goes on: straight to the second factor when the account has one
        or its roles require one (the page it was headed for kept as ``next``)."""
        url: str = super().get_success_url()
        user = self.request.user
        if getattr(user, "is_verified", lambda: False)():
            return url
        enrolled = mfa.has_second_factor(user)
        if enrolled or mfa.second_factor_required(user):
            step = "second_factor:verify" if enrolled else "second_factor:enrol"
            return f"{reverse(step)}?{urlencode({'next': url})}"
        return url


@require_POST
def language_set(request: HttpRequest) -> HttpResponseBase:
    """The language switcher and the profile's language: the pages' language (Django's
    set_language: the cookie and a safe redirect) and, for a signed-in person, the language of
    their e-mails and notifications."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and is_spoken(language):
        services.user_language_set(actor=request.user, user=request.user, language=language)
    return response


class LogoutView(auth_views.LogoutView):
    pass


def _rate(rate: str) -> tuple[int, int]:
    """"3/hour" as (3, 3600): a number of requests per second, minute, hour or day."""
    number, _slash, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[:1].lower()]
    return int(number), seconds


def _over_limit(key: str, rate: str) -> bool:
    """Count one request under ``key``; whether the count is past ``rate``'s limit."""
    limit, seconds = _rate(rate)
    if cache.add(key, 1, seconds):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, seconds)
            count = 1
    return count > limit


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a one-time link, which lasts an hour; says the same whether or not the address is
    known. Requests are limited per address (beyond it no mail goes, and the answer is the
    same) and per IP address (beyond it the request is refused, 429)."""

    template_name = "core/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "core/email/password_reset.txt"
    subject_template_name = "core/email/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")
    extra_context = {"title": _("Reset your password")}

    def form_valid(self, form: Any) -> HttpResponse:
        ip = account.client_ip(self.request) or "-"
        if _over_limit(f"vigil:reset:ip:{ip}", settings.VIGIL_PASSWORD_RESET_RATE_IP):
            audit.record(actor=None, action="core.password_reset.throttled",
                         changes={"by": "ip_address", "ip_address": ip})
            form.add_error(None, _("Too many password resets were asked from this network. "
                                   "Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        email = form.cleaned_data["email"].strip().lower()
        digest = account.digest(email)
        if _over_limit(f"vigil:reset:email:{digest}", settings.VIGIL_PASSWORD_RESET_RATE):
            audit.record(actor=None, action="core.password_reset.throttled",
                         changes={"by": "email", "ip_address": ip})
            return redirect(self.get_success_url())
        return super().form_valid(form)


Page = TypeVar("Page")


def _says(view: type[Page], title: Any, message: Any) -> type[Page]:
    """Django's ``view``, as a page of Vigil's that says ``message`` under ``title``."""
    return cast("type[Page]", type(view.__name__, (view,), {
        "template_name": "core/password_message.html",
        "extra_context": {"title": title, "message": message}}))


def _asks(view: type[Page], title: Any, form_class: type[Any], then: str) -> type[Page]:
    """Django's ``view``, as a page of Vigil's that asks for a new password (``form_class``
    saves it through the audited service) and goes on to the URL named ``then``."""
    return cast("type[Page]", type(view.__name__, (view,), {
        "template_name": "core/password_form.html", "form_class": form_class,
        "success_url": reverse_lazy(then), "extra_context": {"title": title}}))


PasswordResetDoneView = _says(auth_views.PasswordResetDoneView, _("Check your e-mail"), _(
    "If the address belongs to a Vigil account, a link to set a new password is on its way. "
    "It works once, for one hour."))
PasswordResetConfirmView = _asks(auth_views.PasswordResetConfirmView, _("Choose a new password"),
                                 SetPasswordForm, "core:password_reset_complete")
PasswordResetCompleteView = _says(auth_views.PasswordResetCompleteView, _("Password set"),
                                  _("Your new password is set. Sign in with it."))
_PasswordChangeView = _asks(auth_views.PasswordChangeView, _("Change your password"),
                            PasswordChangeForm, "core:password_change_done")


class PasswordChangeView(_PasswordChangeView):  # type: ignore[misc,valid-type]
    """The session stays signed in under a new key; its record on the account page follows."""

    def form_valid(self, form: Any) -> HttpResponse:
        old_key = self.request.session.session_key
        response: HttpResponse = super().form_valid(form)
        account.session_rekeyed(old_key=old_key, request=self.request)
        return response


PasswordChangeDoneView = _says(auth_views.PasswordChangeDoneView, _("Password changed"),
                               _("Your password is changed. Other sessions were signed out."))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's work first: the panels of every role the user holds."""
    return render(request, "core/home.html", {
        "panels": navigation.panels_for(request),
        "grants": selectors.grant_descriptions(grants_of(request.user)),
        "roles": sorted(roles_of(request.user), key=list(Role).index),
    })


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when the database answers, and the broker too when one is configured."""
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.CELERY_BROKER_URL:
        try:
            # The project's Celery app, made current when vigil.config loads.
            from celery import current_app

            with current_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                        status=200 if ok else 503)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = getattr(exception, "message", "") or _("You may not do this.")
    return render(request, "core/error.html", {"title": _("Not allowed"), "message": message,
                                               "status": 403}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {
        "title": _("Not found"), "status": 404,
        "message": _("There is nothing here, or it is not yours to see.")}, status=404)


# The database unreachable (restarting, failed over, out of connections): answered 503 with a
# Retry-After, and without touching the database again: no user, no session, no context
# processors. The request wrote nothing (each write is one transaction), so it can be repeated.
UNAVAILABLE_RETRY_SECONDS = 5


def unavailable(request: HttpRequest) -> HttpResponse:
    message = _("Vigil cannot reach its database just now. Nothing was saved; try again in a "
                "few seconds.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "unavailable", "message": str(message)}, status=503)
    else:
        response = HttpResponse(render_to_string("core/unavailable.html", {
            "title": _("Vigil is briefly unavailable"), "message": message,
            "request_id": request.META.get("HTTP_X_REQUEST_ID", "")}), status=503)
    response["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, called inside the except block of the failed request: a database
    that cannot be reached is a 503 (see unavailable), anything else the 500 page."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return unavailable(request)
    return render(request, "core/error.html", {
        "title": _("Something went wrong"), "status": 500,
        "message": _("The error was logged. Try again; if it persists, tell your administrator "
                     "the request id shown below.")}, status=500)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        services.notification_mark_read(actor=request.user, notification_ids=ids or None)
        return redirect("core:notifications")
    return list_page(request, queryset=selectors.notification_list(user=request.user),
                     template="core/notification_list.html",
                     table_template="core/partials/_notification_table.html",
                     sorts={"created": "created_at"}, default_sort="-created")


@login_required
def audit_log(request: HttpRequest) -> HttpResponseBase:
    if not holds_globally(request.user, Perm.VIEW_AUDIT):
        raise Forbidden()
    action, actor = request.GET.get("action", ""), request.GET.get("actor", "")
    events = selectors.audit_event_list(user=request.user, action=action, actor=actor)
    # Reading the log is itself logged: who looked, and for what.
    audit.record_list_read(actor=request.user, action="core.audit.read",
                           object_type="core.auditevent",
                           query=request.GET.urlencode()[:500], rows=events.count())
    return list_page(request, queryset=events, template="core/audit_list.html",
                     table_template="core/partials/_audit_table.html",
                     sorts={"seq": "seq"}, default_sort="-seq")


# --- The account page: one's own sessions and API tokens ----------------------------------------

class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, such as the script that uses it."))
    days = forms.IntegerField(label=_("Lasts (days)"), min_value=1,
                              max_value=account.TOKEN_MAX_DAYS,
                              initial=settings.VIGIL_API_TOKEN_DAYS)


def _account_page(request: HttpRequest, form: TokenForm | None = None,
                  new_key: str = "", status: int = 200) -> HttpResponse:
    sessions = list(account.session_list(user=request.user))
    for record in sessions:
        record.is_current = account.session_is_current(record, request)  # type: ignore[attr-defined]
    return render(request, "core/account/account.html", {
        "title": _("Sessions and API tokens"),
        "sessions": sessions,
        "tokens": account.token_list(user=request.user),
        "form": form or TokenForm(),
        "new_key": new_key,
        "idle_minutes": settings.VIGIL_SESSION_IDLE_MINUTES,
        "max_hours": settings.SESSION_COOKIE_AGE // 3600,
    }, status=status)


@login_required
@require_GET
def account_page(request: HttpRequest) -> HttpResponse:
    """The signed-in person's sessions and API tokens, each of which they may end."""
    return _account_page(request)


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponseBase:
    record = get_object_or_404(account.session_list(user=request.user), pk=pk)
    account.session_end(actor=request.user, record=record)
    if account.session_is_current(record, request):
        return redirect("core:login")
    messages.success(request, _("The session was ended."))
    return redirect("account:sessions")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponseBase:
    ended = 0
    for record in account.session_list(user=request.user):
        if not account.session_is_current(record, request):
            account.session_end(actor=request.user, record=record)
            ended += 1
    messages.success(request, _("Other sessions ended: %(count)d.") % {"count": ended})
    return redirect("account:sessions")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    issued = None
    if form.is_valid():
        issued = apply_service(form, lambda: account.token_issue(
            actor=request.user, user=request.user, name=form.cleaned_data["name"],
            days=form.cleaned_data["days"]))
    if issued is None:
        return _account_page(request, form=form, status=400)
    # The key is shown on this one answer, never again.
    return _account_page(request, new_key=issued[1], status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponseBase:
    token = get_object_or_404(account.token_list(user=request.user), pk=pk)
    account.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("account:sessions")
