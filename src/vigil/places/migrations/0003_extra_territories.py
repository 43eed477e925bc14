"""Kosovo (XK), which ISO 3166-1 does not list, so that records naming it can be kept."""

from django.db import migrations

from vigil.places.rules import EXTRA_TERRITORIES


def add_territories(apps, schema_editor):
    country = apps.get_model("places", "Country")
    for iso2, values in EXTRA_TERRITORIES.items():
        country.objects.get_or_create(iso2=iso2, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("places", "0002_countries")]
    operations = [migrations.RunPython(add_territories, migrations.RunPython.noop)]
