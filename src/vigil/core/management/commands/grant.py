from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigil.core import services
from vigil.core.authz import SCOPE_LOOKUP, SCOPE_MODELS, Role, ScopeKind
from vigil.core.errors import DomainError, ValidationFailed


class Command(BaseCommand):
    help = ("Grant a role from the server's shell, e.g. the first administrator: "
            "`vigil grant alice administrator` or `vigil grant bob security_officer "
            "--scope country:KE`. Country by ISO code, organization and duty station by code, "
            "security area and premises by id. Audited as done by the system.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--scope", default="global",
                            help="global, or KIND:VALUE (kinds: "
                                 + ", ".join(k.value for k in ScopeKind if k.value != "global")
                                 + ")")
        parser.add_argument("--create", action="store_true",
                            help="Create the user (without a password) if it does not exist.")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        kind_text, _sep, value = options["scope"].partition(":")
        try:
            kind = ScopeKind(kind_text)
        except ValueError:
            raise CommandError(f"Unknown scope kind {kind_text!r}.") from None
        scope_id = None
        if kind is not ScopeKind.GLOBAL:
            model = apps.get_model(SCOPE_MODELS[kind])
            field = SCOPE_LOOKUP[kind]
            if field == "pk" and not value.isdigit():
                raise CommandError(f"A {kind.value} is named by its number, not {value!r}.")
            lookup = {"pk": int(value)} if field == "pk" else {f"{field}__iexact": value}
            target = model._default_manager.filter(**lookup).first()
            if target is None:
                raise CommandError(f"No {kind.value} with {field} {value!r}.")
            scope_id = target.pk
        try:
            user: Any = get_user_model().objects.filter(
                username__iexact=options["username"]).first()
            if user is None:
                if not options["create"]:
                    raise CommandError(f"No user {options['username']!r}; add --create.")
                user = services.user_create(actor=None, username=options["username"],
                                            email=options["email"])
            services.role_grant_create(actor=None, user=user, role=options["role"],
                                       scope_kind=kind, scope_id=scope_id)
        except ValidationFailed as exc:
            raise CommandError("; ".join(str(e) for e in exc.errors)) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{user.get_username()} is now {Role(options['role']).label} "
                          f"({options['scope']}).")
