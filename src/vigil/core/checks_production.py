"""System checks for a production install (`vigil check --deploy`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

# Installing a wheel writes the .mo and then the .po (in name order) within the same moment,
# stamping each with the time it is written: a .mo that much older is the same build. A .po
# edited after compiling is later by more.
SAME_BUILD_SECONDS = 2.0


def stale_catalogs(locale_paths: list[Path] | None = None) -> list[Path]:
    """The .po catalogs whose .mo is missing or older than the .po."""
    stale = []
    for root in locale_paths if locale_paths is not None else settings.LOCALE_PATHS:
        for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if not mo_path.exists() or (mo_path.stat().st_mtime + SAME_BUILD_SECONDS
                                        < po_path.stat().st_mtime):
                stale.append(po_path)
    return stale


@checks.register(checks.Tags.translation, deploy=True)
def compiled_catalogs(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A catalog not compiled is a language shown in English: installing Vigil compiles them
    (setup.py's build hook), and so does `vigil compile_catalogs`."""
    return [
        checks.Warning(
            f"The message catalog {po_path} is not compiled, or its .mo is older than the .po: "
            "its language is shown in English, or out of date.",
            hint="Reinstall Vigil (pip install compiles the catalogs), or run "
                 "`vigil compile_catalogs` as the owner of the installed files.",
            id="vigil.W001",
        )
        for po_path in stale_catalogs()
    ]


#: Cache backends that live in one process's memory (or nowhere).
PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache",
                  "django.core.cache.backends.dummy.DummyCache")


@checks.register(checks.Tags.caches)
def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """With a broker, tasks run in worker processes, and what they leave in the cache (the
    indicator figures of the dashboard and the home panel) must reach the web processes; the
    sign-in lockouts and request limits must be counted across processes too."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not settings.CELERY_BROKER_URL or backend not in PROCESS_CACHES:
        return []
    return [checks.Warning(
        "CELERY_BROKER_URL is set but CACHE_URL keeps the cache in each process's memory: the "
        "figures the worker computes never reach the pages (the home panel keeps saying they "
        "are being computed), and lockouts and limits are counted per process.",
        hint="Set CACHE_URL to a cache every process shares, e.g. redis://127.0.0.1:6379/1.",
        id="vigil.W002")]
