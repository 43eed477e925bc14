from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigil.core import account
from vigil.core.errors import ValidationFailed


class Command(BaseCommand):
    help = ("Issue a named API token for a user (Authorization: Token …) and print its key, "
            "which is shown only this once.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line",
                            help="What the token is for (default: %(default)s).")
        parser.add_argument("--days", type=int, default=None,
                            help="How long it lasts, 1 to 366 days (default: "
                                 f"VIGIL_API_TOKEN_DAYS, {settings.VIGIL_API_TOKEN_DAYS}).")
        parser.add_argument("--rotate", action="store_true",
                            help="Revoke the user's tokens in force with the same name first.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = account.user_by_username(options["username"])
        if user is None or not user.is_active:
            raise CommandError(f"No active user {options['username']!r}.")
        if options["rotate"]:
            for token in account.token_list(user=user).in_force().filter(name=options["name"]):
                account.token_revoke(actor=None, token=token, reason="rotated")
        try:
            _token, key = account.token_issue(actor=None, user=user, name=options["name"],
                                              days=options["days"])
        except ValidationFailed as exc:
            raise CommandError(" ".join(str(e.message) for e in exc.errors)) from exc
        self.stdout.write(key)
