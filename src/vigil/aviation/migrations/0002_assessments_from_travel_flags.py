"""Each air operator already flagged suitable or unsuitable in travel gets an assessment with
that outcome, its basis "Migrated from the travel flag.", so that the flag is the outcome of an
assessment as from now on. It has no valid-until date: it stands, as the flag did, until an
aviation officer assesses the operator again."""

from django.db import migrations

MIGRATED_BASIS = "Migrated from the travel flag."


def forwards(apps, schema_editor):
    AirOperator = apps.get_model("travel", "AirOperator")
    Assessment = apps.get_model("aviation", "Assessment")
    flagged = AirOperator.objects.filter(suitability__in=["suitable", "unsuitable"]).exclude(
        assessments__isnull=False)
    Assessment.objects.bulk_create([
        Assessment(operator=o, outcome=o.suitability, assessed_on=o.updated_at.date(),
                   note=f"{MIGRATED_BASIS} {o.suitability_note}".strip())
        for o in flagged.iterator()], batch_size=500)


def backwards(apps, schema_editor):
    Assessment = apps.get_model("aviation", "Assessment")
    Assessment.objects.filter(note__startswith=MIGRATED_BASIS, assessor__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("aviation", "0001_initial"),
        ("travel", "0005_air_operator_assessment_fields"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
