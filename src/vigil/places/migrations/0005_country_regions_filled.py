"""Each country's UN geographic region, from places/data/regions.csv (Natural Earth's
REGION_UN, which follows the UN M49 standard), and a few territories that Natural Earth
folds into another unit."""

import csv
from pathlib import Path

from django.db import migrations

# Territories Natural Earth folds into another unit, placed as the UN M49 standard places them.
M49_TERRITORIES = {"BQ": "americas", "BV": "americas", "GF": "americas", "GP": "americas",
                   "MQ": "americas", "RE": "africa", "YT": "africa", "GI": "europe",
                   "SJ": "europe", "XK": "europe", "CX": "oceania", "CC": "oceania",
                   "TK": "oceania", "TV": "oceania", "UM": "oceania"}
REGIONS = Path(__file__).resolve().parents[1] / "data" / "regions.csv"
CODES = {"Africa": "africa", "Americas": "americas", "Asia": "asia", "Europe": "europe",
         "Oceania": "oceania", "Antarctica": "antarctica", "Seven seas (open ocean)": "seven_seas"}


def fill(apps, schema_editor):
    country = apps.get_model("places", "Country")
    with REGIONS.open(encoding="utf-8") as handle:
        by_code = {row["iso2"]: CODES[row["region"]] for row in csv.DictReader(handle)
                   if row["region"] in CODES}
    for code, region in M49_TERRITORIES.items():
        by_code.setdefault(code, region)
    for region in set(by_code.values()):
        country.objects.filter(iso2__in=[c for c, r in by_code.items() if r == region]).update(
            region=region)


class Migration(migrations.Migration):
    dependencies = [("places", "0004_country_region")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
