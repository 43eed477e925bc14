from django.db import migrations


def seed(apps, schema_editor):
    from vigil.incidents.taxonomy import ensure_default

    ensure_default(apps.get_model("incidents", "IncidentCategory"))


def unseed(apps, schema_editor):
    apps.get_model("incidents", "IncidentCategory").objects.filter(parent__isnull=False).delete()
    apps.get_model("incidents", "IncidentCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
