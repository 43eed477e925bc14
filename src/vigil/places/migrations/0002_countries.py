"""Every ISO 3166-1 country, as pycountry ships it. `vigil sync_countries` refreshes later."""

import pycountry
from django.db import migrations


def load_countries(apps, schema_editor):
    country = apps.get_model("places", "Country")
    country.objects.bulk_create([
        country(iso2=c.alpha_2, iso3=c.alpha_3, numeric=c.numeric, name=c.name,
                official_name=getattr(c, "official_name", ""))
        for c in pycountry.countries
    ], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]
    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
