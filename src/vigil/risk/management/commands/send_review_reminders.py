from typing import Any

from django.core.management.base import BaseCommand

from vigil.risk.tasks import send_review_reminders


class Command(BaseCommand):
    help = ("Remind whoever must act of security level and SRA reviews due within 30 days or "
            "overdue (once each). Celery beat runs it daily; cron may run this instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_review_reminders()
        self.stdout.write(f"Reminders sent: {sent}.")
