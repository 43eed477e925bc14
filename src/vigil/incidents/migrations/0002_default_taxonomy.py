from django.db import migrations


def seed(apps, schema_editor):
    from vigil.incidents.taxonomy import DEFAULT

    category = apps.get_model("incidents", "IncidentCategory")
    rows = {}
    for order, (code, (name, _label, parent)) in enumerate(DEFAULT.items()):
        rows[code] = category.objects.create(code=code, name=name, order=order * 10,
                                             parent=rows[parent] if parent else None)


def unseed(apps, schema_editor):
    apps.get_model("incidents", "IncidentCategory").objects.filter(parent__isnull=False).delete()
    apps.get_model("incidents", "IncidentCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
