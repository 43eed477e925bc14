"""Bench-only URLconf for B2: every URL of Vigil, and ``/bench/minimal/``, the reference, a
minimal Django JSON view behind the same middleware: it reads the JSON body it is sent and
answers a small JSON document, with no database work."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from vigil.config.urls import urlpatterns as vigil_urlpatterns


@csrf_exempt
def minimal(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body or b"{}")
    return JsonResponse({"ok": True, "fields": len(body)},
                        status=201 if request.method == "POST" else 200)


urlpatterns = [path("bench/minimal/", minimal), *vigil_urlpatterns]
