"""The second-factor pages: overview, enrolment, verification after sign-in, recovery codes,
removal, and an administrator's reset of someone else's second factor. Rules and writes live
in vigil.core.mfa."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.core import mfa
from vigil.core.errors import ErrorCode, Forbidden, ValidationFailed


def _code_field(help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=_("Code"), max_length=32, strip=True, help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autocapitalize": "none", "spellcheck": "false",
                                      "autofocus": True}))


class CodeForm(forms.Form):
    token = _code_field(_("The six digits the app shows now."))


class VerifyForm(forms.Form):
    token = _code_field(_("The six digits your authenticator app shows now, or one of your "
                          "recovery codes."))


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("core:home")


def _verify_first(request: HttpRequest) -> HttpResponse | None:
    """A user with a second factor changes it only from a verified session."""
    user: Any = request.user
    if mfa.has_second_factor(user) and not user.is_verified():
        return HttpResponseRedirect(reverse("second_factor:verify") + "?"
                                    + urlencode({"next": request.get_full_path()}))
    return None


@login_required
@never_cache
def overview(request: HttpRequest) -> HttpResponse:
    if (gate := _verify_first(request)) is not None:
        return gate
    device = mfa.authenticator_of(request.user)
    return render(request, "core/mfa/overview.html", {
        "title": _("Second factor"), "device": device,
        "required": mfa.second_factor_required(request.user),
        "codes_left": mfa.recovery_codes_left(request.user) if device else 0,
        "may_reset": mfa.may_reset_second_factors(request.user),
    })


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    if (gate := _verify_first(request)) is not None:
        return gate
    user: Any = request.user
    if mfa.authenticator_of(user) is not None:
        return redirect("second_factor:overview")
    device = mfa.authenticator_start(actor=request.user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.authenticator_confirm(actor=request.user,  # type: ignore[arg-type]
                                              device=device, token=form.cleaned_data["token"])
        except ValidationFailed as exc:
            for error in exc.errors:
                form.add_error("token", str(error.message))
        else:
            mfa.verified_login(request, device)
            return render(request, "core/mfa/codes.html", {
                "title": _("Your recovery codes"), "codes": codes, "enrolled": True,
                "next": _next(request)})
    required = mfa.second_factor_required(user)
    return render(request, "core/mfa/enrol.html", {
        "title": _("Set up a second factor"), "form": form, "device": device,
        "qr": mfa.qr_svg(device), "secret": mfa.secret_text(device),
        "required": required, "next": _next(request),
        # Until enrolled, a required user has no other page: no menu of them.
        **({"nav_sections": []} if required else {})})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.is_verified():
        return HttpResponseRedirect(_next(request))
    if not mfa.has_second_factor(user):
        return HttpResponseRedirect(reverse("second_factor:enrol") + "?"
                                    + urlencode({"next": _next(request)}))
    form = VerifyForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = mfa.second_factor_verify(user=user, token=form.cleaned_data["token"])
        if outcome.device is not None:
            mfa.verified_login(request, outcome.device)
            return HttpResponseRedirect(_next(request))
        status = 400
        if outcome.locked_until is not None:
            wait = max(1, int((outcome.locked_until - timezone.now()).total_seconds()) + 1)
            form.add_error("token", _("Too many wrong codes. Wait %(seconds)s seconds, then "
                                      "try again.") % {"seconds": wait})
            status = 429
        else:
            form.add_error("token", _("That code is not right, or was used already."))
    return render(request, "core/mfa/verify.html", {
        "title": _("Second factor"), "form": form, "next": _next(request),
        "nav_sections": []}, status=status)  # no menu of pages not open yet


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if (gate := _verify_first(request)) is not None:
        return gate
    if mfa.authenticator_of(request.user) is None:
        return redirect("second_factor:overview")
    if request.method == "POST":
        codes = mfa.recovery_codes_regenerate(actor=request.user)  # type: ignore[arg-type]
        return render(request, "core/mfa/codes.html", {
            "title": _("Your recovery codes"), "codes": codes, "enrolled": False,
            "next": reverse("second_factor:overview")})
    return render(request, "core/mfa/confirm.html", {
        "title": _("New recovery codes"),
        "message": _("New codes replace your old ones: the old codes stop working at once."),
        "codes_left": mfa.recovery_codes_left(request.user),
        "action": _("Make new recovery codes"), "danger": False})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest) -> HttpResponse:
    if (gate := _verify_first(request)) is not None:
        return gate
    if not TOTPDevice.objects.filter(user=request.user).exists():
        return redirect("second_factor:overview")
    if mfa.second_factor_required(request.user):
        return render(request, "core/mfa/confirm.html", {
            "title": _("Remove the second factor"), "refused": True,
            "message": _("Your role requires a second factor, so it cannot be removed. If "
                         "you have a new phone, ask your administrator to reset your second "
                         "factor, then enrol the new phone.")}, status=403)
    if request.method == "POST":
        mfa.second_factor_remove(actor=request.user)  # type: ignore[arg-type]
        return redirect("second_factor:overview")
    return render(request, "core/mfa/confirm.html", {
        "title": _("Remove the second factor"),
        "message": _("Without a second factor, your password alone signs you in. Your "
                     "recovery codes stop working too."),
        "action": _("Remove the second factor"), "danger": True})


class ResetForm(forms.Form):
    user = forms.CharField(label=_("User name"), max_length=150,
                           help_text=_("The user name of the person who lost their second "
                                       "factor."))
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Why, and how you made sure it is really them asking "
                                         "(for example: called back on their desk phone). "
                                         "Kept in the audit log and sent to them."))

    def clean_user(self) -> Any:
        name = str(self.cleaned_data["user"]).strip()
        found = get_user_model().objects.filter(username__iexact=name, is_active=True).first()
        if found is None:
            raise forms.ValidationError(_("No active user has this user name."),
                                        code=ErrorCode.UNKNOWN_REFERENCE)
        return found


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest) -> HttpResponse:
    """A global administrator resets someone else's second factor, with a reason."""
    actor: Any = request.user
    if not mfa.may_reset_second_factors(actor):
        raise Forbidden()
    # These pages are open to a session without its second factor (SecondFactorMiddleware):
    # this one is not.
    if not actor.is_verified():
        target = "second_factor:verify" if mfa.has_second_factor(actor) else "second_factor:enrol"
        return HttpResponseRedirect(reverse(target) + "?"
                                    + urlencode({"next": request.get_full_path()}))
    form = ResetForm(request.POST or None, initial={"user": request.GET.get("user", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = mfa.second_factor_reset(actor=actor, user=form.cleaned_data["user"],
                                             reason=form.cleaned_data["reason"])
            except ValidationFailed as exc:
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None,
                                   str(error.message))
            else:
                return render(request, "core/mfa/reset_done.html", {
                    "title": _("Second factor reset"), "result": result,
                    "target": form.cleaned_data["user"]})
    return render(request, "core/mfa/reset.html", {
        "title": _("Reset a user's second factor"), "form": form}, status=status)
