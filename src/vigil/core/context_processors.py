from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from vigil.config.languages import RTL_LANGUAGES
from vigil.core import navigation, selectors


def vigil(request: HttpRequest) -> dict[str, Any]:
    language = translation.get_language() or settings.LANGUAGE_CODE
    user = getattr(request, "user", None)
    return {
        "text_direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "nav_sections": navigation.sections_for(request),
        "unread_notifications": selectors.unread_notification_count(user=user)
        if user is not None and user.is_authenticated else 0,
    }
