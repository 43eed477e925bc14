from typing import Any

from django.http import HttpRequest
from django.utils import translation

from vigil.core import navigation, selectors


def vigil(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
        "nav_sections": navigation.sections_for(request),
        "unread_notifications": selectors.unread_notification_count(user=user)
        if user is not None and user.is_authenticated else 0,
    }
