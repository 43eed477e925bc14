"""The offer of a second factor on the home page, for those who have none."""

from __future__ import annotations

from typing import Any

from django import template

from vigil.core import mfa

register = template.Library()


@register.simple_tag
def second_factor_offered(user: Any) -> bool:
    """True for a signed-in user without a second factor (privileged ones never get here
    without one: the middleware sends them to enrol)."""
    return bool(user.is_authenticated and not mfa.has_second_factor(user))
