"""Password forms that save through the core service, so each change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import forms as auth_forms

from vigil.core import services


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
