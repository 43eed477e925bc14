"""Bench-only settings for B2's HTTP run: Vigil's own settings, with the URLconf of
bench/b2_urls.py (Vigil's URLs plus the minimal reference view). Nothing else changes:
same middleware, same REST framework set-up, same database.

    DJANGO_SETTINGS_MODULE=b2_settings gunicorn --pythonpath bench vigil.config.wsgi
"""

from vigil.config.settings import *  # noqa: F403

ROOT_URLCONF = "b2_urls"
