from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from vigil.config.languages import RTL_LANGUAGES
from vigil.core import navigation


def vigil(request: HttpRequest) -> dict[str, Any]:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "text_direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "nav_items": navigation.items_for(request),
    }
