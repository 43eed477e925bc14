"""The one row of coordination settings (days allowed between SMT meetings by security level)
and the default role requirements of the gap board. Both are configurable afterwards."""

from django.db import migrations

# (function, for each, at least, from security level)
REQUIREMENTS = [
    ("designated_official", "country", 1, 1),
    ("smt_member", "country", 2, 1),
    ("chief_security_adviser", "country", 1, 3),
    ("warden", "duty_station", 1, 1),
    ("field_security_officer", "duty_station", 1, 4),
    ("zone_warden", "duty_station", 2, 4),
]


def forward(apps, schema_editor):
    settings = apps.get_model("coordination", "CoordinationSettings")
    requirement = apps.get_model("coordination", "RoleRequirement")
    settings.objects.get_or_create(pk=1)
    for function, level, minimum, from_level in REQUIREMENTS:
        requirement.objects.get_or_create(function=function, level=level, defaults={
            "minimum": minimum, "from_security_level": from_level})


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
