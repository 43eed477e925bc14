"""The offer of a second factor on the home page, for those who have none."""

from __future__ import annotations

from typing import Any

from django import template

from vigil.core import mfa

register = template.Library()


@register.simple_tag
def second_factor_offered(user: Any) -> bool:
    """True for a signed-in user without a second factor (privileged ones never get here
    without one: the middleware sends them to enrol). A session verified with a second factor
    has one: no query is asked for it."""
    if not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    if verified is not None and verified():
        return False
    return not mfa.has_second_factor(user)
