from __future__ import annotations

from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from vigil.core import navigation, selectors, services
from vigil.core.authz import Perm, Role, grants_of, holds_globally, roles_of
from vigil.core.errors import Forbidden
from vigil.core.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from vigil.core.i18n import is_spoken
from vigil.core.views_support import list_page


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


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a one-time link; says the same whether or not the address is known."""

    template_name = "core/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "core/email/password_reset.txt"
    subject_template_name = "core/email/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")
    extra_context = {"title": _("Reset your password")}


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
    "It works once, for three days."))
PasswordResetConfirmView = _asks(auth_views.PasswordResetConfirmView, _("Choose a new password"),
                                 SetPasswordForm, "core:password_reset_complete")
PasswordResetCompleteView = _says(auth_views.PasswordResetCompleteView, _("Password set"),
                                  _("Your new password is set. Sign in with it."))
PasswordChangeView = _asks(auth_views.PasswordChangeView, _("Change your password"),
                           PasswordChangeForm, "core:password_change_done")
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


def server_error(request: HttpRequest) -> HttpResponse:
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
    events = selectors.audit_event_list(user=request.user,
                                        action=request.GET.get("action", ""),
                                        actor=request.GET.get("actor", ""))
    return list_page(request, queryset=events, template="core/audit_list.html",
                     table_template="core/partials/_audit_table.html",
                     sorts={"seq": "seq"}, default_sort="-seq")
