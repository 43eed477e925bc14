"""The project's URLs with the CAP routes under the ``crisis`` namespace, for the CAP view
tests: whether or not the crisis app's urls.py already spreads ``cap_urlpatterns``, and even
while another app's URL module is missing."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.urls import URLPattern, URLResolver, include, path

from vigil.crisis.cap_urls import cap_urlpatterns

_APPS = [("", "vigil.core.urls"), ("places/", "vigil.places.urls"),
         ("people/", "vigil.people.urls"), ("risk/", "vigil.risk.urls"),
         ("travel/", "vigil.travel.urls"), ("incidents/", "vigil.incidents.urls"),
         ("crisis/", "vigil.crisis.urls"), ("c/", "vigil.crisis.checkin_urls")]


def _project() -> list[Any]:
    try:
        return list(import_module("vigil.config.urls").urlpatterns)
    except ImportError:  # an app's URL module is not written yet: take the ones there are
        from django.conf.urls.i18n import urlpatterns as i18n
        from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

        patterns: list[Any] = []
        for prefix, module in _APPS:
            try:
                import_module(module)
            except ImportError:
                continue
            patterns.append(path(prefix, include(module)))
        return [*patterns, path("i18n/", include(i18n)),
                path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
                path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"),
                     name="swagger-ui")]


def _names(patterns: list[Any]) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
        elif isinstance(pattern, URLResolver) and not pattern.namespace:
            names |= _names(list(pattern.url_patterns))
    return names


def _with_cap(patterns: list[Any]) -> list[Any]:
    out = []
    placed = False
    for pattern in patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "crisis":
            placed = True
            inner = list(pattern.url_patterns)
            if "cap_upload" not in _names(inner):
                pattern = path(str(pattern.pattern), include(([*inner, *cap_urlpatterns],
                                                               "crisis")))
        out.append(pattern)
    if not placed:
        out.append(path("crisis/", include((cap_urlpatterns, "crisis"))))
    return out


urlpatterns = _with_cap(_project())
