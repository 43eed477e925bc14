"""Print the table "Permissions by role" of docs/access-control.md from the role table
(core.roles.ROLE_PERMISSIONS), so that the guide is regenerated rather than kept by hand. A
test fails when the guide and the code disagree."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation

from vigil.core.roles import ROLE_LABELS, ROLE_PERMISSIONS, Perm, Role


def _header(role: Role) -> str:
    with translation.override("en"):
        label = str(ROLE_LABELS[role])
    # "Security officer" → "security officer"; "DRO desk officer" and "SMT member" stay.
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def permission_table() -> str:
    roles = list(Role)
    lines = ["| permission | " + " | ".join(_header(r) for r in roles) + " |",
             "|---|" + "---|" * len(roles)]
    for perm in Perm:
        cells = [ROLE_PERMISSIONS[r][perm].value if perm in ROLE_PERMISSIONS[r] else "—"
                 for r in roles]
        lines.append(f"| `{perm.value}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the permissions-by-role table of docs/access-control.md (Markdown)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(permission_table(), ending="")
