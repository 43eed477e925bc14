"""Forms shared by every app: list filters, versioned records, the import of a file, and
password forms that save through the audited core service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from vigil.core import selectors, services


def search_field(help_text: Any = "") -> forms.CharField:
    """The free-text box of a filter bar: the selector's ``search``."""
    return forms.CharField(label=_("Search"), required=False, help_text=help_text)


def country_field(label: Any = None, max_length: int = 2) -> forms.CharField:
    """A filter by country, typed as its ISO code."""
    return forms.CharField(label=label if label is not None else _("Country code"),
                           required=False, max_length=max_length)


def choice_filter(label: Any, choices: Any, anything: Any = None) -> forms.ChoiceField:
    """A filter by one of ``choices``, led by the choice of any (``anything``, "Any" unless
    named)."""
    return forms.ChoiceField(label=label, required=False, choices=[
        ("", anything if anything is not None else _("Any")), *choices])


class ListFilters(forms.Form):
    """The filter bar of a list page. Every field is a keyword of the list's selector, except
    the free-text box ``q``, which is its ``search``."""

    def selector_args(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {("search" if name == "q" else name): data.get(name) or ""
                for name in self.fields}


class ImportForm(forms.Form):
    """A CSV file to import, and whether to keep the good rows when some are bad."""

    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, with a header row."))
    skip_invalid = forms.BooleanField(
        label=_("Import the good rows and skip the bad ones"), required=False,
        help_text=_("Without this, one bad row means nothing is imported."))


class VersionedForm(forms.ModelForm):  # type: ignore[type-arg]
    """The form of a record that two people may edit at once: it carries the version read, so
    that the service refuses a save over someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VersionForm(forms.Form):
    """A button on a record's page: the version of the record it acts on."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class _SavesThroughService:
    user: Any
    cleaned_data: dict[str, Any]

    def save(self, commit: bool = True) -> Any:
        return services.user_password_set(actor=self.user, user=self.user,
                                          password=self.cleaned_data["new_password1"])


class SetPasswordForm(_SavesThroughService, auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    """The last step of a reset by e-mailed link."""


class PasswordChangeForm(_SavesThroughService, auth_forms.PasswordChangeForm):
    """A signed-in person changes their own password."""


class PasswordResetForm(auth_forms.PasswordResetForm):
    """The reset link is mailed in the account's language; for an account that has none, in
    the language of the request (most likely its owner's)."""

    def send_mail(self, subject_template_name: str, email_template_name: str,
                  context: dict[str, Any], from_email: str | None, to_email: str,
                  html_email_template_name: str | None = None) -> None:
        user = context["user"]
        language = selectors.languages_of([user.pk], default=translation.get_language())
        with translation.override(language.get(user.pk)):
            super().send_mail(subject_template_name, email_template_name, context, from_email,
                              to_email, html_email_template_name)
