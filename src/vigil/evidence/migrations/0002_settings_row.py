from django.db import migrations


def create(apps, schema_editor):
    settings = apps.get_model("evidence", "EvidenceSettings")
    settings.objects.get_or_create(pk=1)


def remove(apps, schema_editor):
    apps.get_model("evidence", "EvidenceSettings").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
