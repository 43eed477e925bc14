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


class OnPostgreSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL only; nothing elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("people", "0004_staff_record_loses_course_dates")]
    operations = [OnPostgreSQL(
        sql=["CREATE EXTENSION IF NOT EXISTS pg_trgm",
             *(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {method} ({expression})'
               for name, table, expression, method in INDEXES),
             # The planner's statistics of the indexed expressions: without them it guesses
             # that a name pattern matches thousands of rows and walks the name order instead.
             "ANALYZE people_person, people_dependant"],
        reverse_sql=[f'DROP INDEX IF EXISTS "{name}"' for name, _t, _e, _m in INDEXES],
    )]
