# A migration of its own: on PostgreSQL a table whose rows were just updated in the same
# transaction (deferred foreign-key checks pending) cannot be altered.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("travel", "0003_clearance_decided_as"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="clearance",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("decided_at__isnull", True),
                    models.Q(("decided_by__isnull", False),
                             models.Q(("decided_as__in", ["", "rules"]), _negated=True)),
                    models.Q(("decided_as", "rules"), ("decided_by__isnull", True)),
                    _connector="OR"),
                name="clearance_decision_names_its_decider"),
        ),
    ]
