"""For transactional tests: the rows Vigil's data migrations write, put back when the tables are
empty (an earlier transactional test in the same worker emptied every table as it ended, or
the tables were made from the models with --no-migrations)."""

from __future__ import annotations

from django.test import override_settings


def restore_migrated_rows() -> None:
    """Put back the rows that data migrations write (countries, settings, the taxonomy, the
    audit chain's head, the default courses...): each of Vigil's data migrations runs its
    forward function again, in order, on the current models. One that reshapes existing rows
    finds none. Nothing is done while countries are there."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    from vigil.places.models import Country

    if Country.objects.exists():
        return
    with override_settings(MIGRATION_MODULES={}):  # --no-migrations hides them
        graph = MigrationLoader(connection).graph
    done: set[tuple[str, str]] = set()
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            migration = graph.nodes[key]
            if key in done or not type(migration).__module__.startswith("vigil."):
                continue
            done.add(key)
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, None)
