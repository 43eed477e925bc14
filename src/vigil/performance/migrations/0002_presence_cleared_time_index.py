"""An index for SP2.2.c.i (whereabouts known, travel.selectors.whereabouts_known_at): the
cleared presences by their start time, so that "who is on a cleared trip at this moment" reads
the presences that started in the last 14 days (travel.rules.MAX_PRESENCE) by one index range,
once for the whole system, instead of every presence (26 million for two years at the UN
system's size). On PostgreSQL it carries the columns the test and the answer need (ends_at,
person_id, dependant_id), so that the range is read from the index alone.

The index is on travel's table, made here beside the indicator that needs it (programme
performance's migrations), an index only: travel's models and rows are untouched."""

from __future__ import annotations

from typing import Any

from django.db import migrations

NAME = "presence_cleared_time"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON travel_presence (starts_at) "
            "INCLUDE (ends_at, person_id, dependant_id) WHERE cleared")
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON travel_presence (starts_at) WHERE cleared")


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ("performance", "0001_initial"),
        ("travel", "0006_settings_lose_certificate_years"),
    ]

    operations = [migrations.RunPython(create, drop)]
