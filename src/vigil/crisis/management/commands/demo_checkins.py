"""Demo only: answer the check-in links of an active crisis as its people would, a few at a
time, so that the headcount board can be watched filling. Works on a demo database only (one
whose demo users still have the demo password)."""

from __future__ import annotations

import random
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigil.crisis import checkin
from vigil.crisis.models import AccountStatus, Crisis, Delivery


class Command(BaseCommand):
    help = "Demo: answer check-in links of the latest active crisis, a few every few seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("crisis", nargs="?", help="crisis reference (CR-00001) or id")
        parser.add_argument("--batch", type=int, default=5, help="answers per round")
        parser.add_argument("--every", type=float, default=3.0, help="seconds between rounds")
        parser.add_argument("--share", type=float, default=0.9,
                            help="share of people who answer at all (0-1)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        admin = get_user_model().objects.filter(username="admin").first()
        if admin is None or not admin.check_password(settings.VIGIL_DEMO_PASSWORD):
            raise CommandError("This is not a demo database: demo_checkins refuses to answer "
                               "for real people.")
        crises = Crisis.objects.filter(status=Crisis.Status.ACTIVE)
        if options["crisis"]:
            pk = str(options["crisis"]).upper().removeprefix("CR-").lstrip("0") or "0"
            crises = crises.filter(pk=int(pk)) if pk.isdigit() else crises.none()
        crisis = crises.order_by("-activated_at").first()
        if crisis is None:
            raise CommandError("No active crisis: declare one first.")
        rng = random.Random(options["seed"])  # noqa: S311  # nosec B311 - a demo
        deliveries = list(Delivery.objects.filter(
            broadcast__crisis=crisis, entry__isnull=False,
            status=Delivery.Status.SENT).order_by("entry_id", "pk").distinct())
        seen: set[int] = set()
        pending = []
        for d in deliveries:
            if d.entry_id not in seen:
                seen.add(d.entry_id or 0)
                pending.append(d)
        rng.shuffle(pending)
        pending = pending[:int(len(pending) * options["share"])]
        if not pending:
            raise CommandError(f"{crisis.reference}: no message with a check-in link has been "
                               "sent yet. Send one from the crisis page first.")
        self.stdout.write(f"{crisis.reference}: answering {len(pending)} check-ins.")
        for start in range(0, len(pending), options["batch"]):
            for d in pending[start:start + options["batch"]]:
                status = AccountStatus.NEEDS_HELP if rng.random() < 0.04 else AccountStatus.SAFE
                token = checkin.token(d)
                household = [e.pk for e in checkin.resolve(token).household()]
                checkin.answer(token, status=status, household=household,
                               note="" if status == AccountStatus.SAFE
                               else "Demo: stuck at home, road blocked.")
            self.stdout.write(f"  {min(start + options['batch'], len(pending))} answered")
            time.sleep(options["every"])
