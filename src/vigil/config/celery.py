"""Celery application. Without CELERY_BROKER_URL, tasks run eagerly in-process."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.config.settings")

app = Celery("vigil")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect  # type: ignore[untyped-decorator]
@signals.worker_process_init.connect  # type: ignore[untyped-decorator]
def warm_up(**_: object) -> None:
    """Load the URL configuration once the worker starts (the check-in links are reversed
    from it), so that the first crisis message does not wait for it."""
    import django
    from django.apps import apps
    from django.urls import get_resolver

    # Only when Django is not set up yet: a second django.setup() in a pool process configures
    # logging again, and the process's "Task ... succeeded/raised" lines are then lost.
    if not apps.ready:
        django.setup()
    get_resolver().url_patterns  # noqa: B018 - loads every URL module
