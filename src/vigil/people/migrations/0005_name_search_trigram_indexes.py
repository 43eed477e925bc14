"""Name search on PostgreSQL without reading every staff record: trigram indexes (pg_trgm) on
the names the personnel and dependants lists search with ``icontains``, which Django writes as
``UPPER(column::text) LIKE UPPER('%text%')``, and on the upper-cased index number ``iexact``
compares. The four arms of the search's OR can then be answered from indexes and combined
(a global reader's search for "ach" among 300,000 staff: 385 ms before, a sequential scan).

pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner may create
it. Elsewhere (SQLite) this migration does nothing: the search reads the table, as before."""

from django.db import migrations

INDEXES = [
    ("people_person_family_trgm", "people_person", "UPPER(family_name::text) gin_trgm_ops", "gin"),
    ("people_person_given_trgm", "people_person", "UPPER(given_name::text) gin_trgm_ops", "gin"),
    ("people_person_original_trgm", "people_person", "UPPER(name_original::text) gin_trgm_ops",
     "gin"),
    ("people_person_index_upper", "people_person", "UPPER(index_number::text)", "btree"),
    ("people_dependant_family_trgm", "people_dependant", "UPPER(family_name::text) gin_trgm_ops",
     "gin"),
    ("people_dependant_given_trgm", "people_dependant", "UPPER(given_name::text) gin_trgm_ops",
     "gin"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression, method in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {method} ({expression})')
    # The planner's statistics of the indexed expressions: without them it guesses that a
    # name pattern matches thousands of rows and walks the name order instead.
    schema_editor.execute("ANALYZE people_person, people_dependant")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression, _method in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("people", "0004_staff_record_loses_course_dates")]
    operations = [migrations.RunPython(create, drop)]
