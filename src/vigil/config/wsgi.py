import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.config.settings")
application = get_wsgi_application()

# What is loaded by now (Django, Vigil's modules, settings, models) lives as long as the
# process. Frozen, it is left out of the cycle collector's full passes, which otherwise scan it
# again and again and put 100-200 ms into one request now and then (B6 in docs/performance.md:
# p95 of the global readers' pages 230-300 ms with the collector as it is, 124-157 frozen).
gc.freeze()
