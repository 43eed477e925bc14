"""The access-control guide's table of permissions by role is the role table itself."""

from pathlib import Path

from vigil.core.management.commands.access_table import permission_table

GUIDE = Path(__file__).resolve().parents[4] / "docs" / "access-control.md"


def test_the_guide_shows_the_permissions_each_role_holds_in_the_code():
    table = permission_table()
    assert table.startswith("| permission | traveller | security officer |")
    assert "| `coordination.view` |" in table
    assert table in GUIDE.read_text(encoding="utf-8"), (
        "docs/access-control.md is out of date: paste the output of `vigil access_table`")
