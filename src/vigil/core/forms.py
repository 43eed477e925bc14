"""Forms shared by every app: list filters, and password forms that save through the audited
core service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms

from vigil.core import services


class ListFilters(forms.Form):
    """The filter bar of a list page. Every field is a keyword of the list's selector, except
    the free-text box ``q``, which is its ``search``."""

    def selector_args(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {("search" if name == "q" else name): data.get(name) or ""
                for name in self.fields}


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
