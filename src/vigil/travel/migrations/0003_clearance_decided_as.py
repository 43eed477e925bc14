"""Each clearance decision says who made it: the rules, or a person in a named capacity.

Rows the rules settled are marked as the rules' decision. Rows a person decided were decided
by the stop's security officer, the only one who could decide before the fallback existed.
The demo's decisions named nobody: they are given to whoever holds the stop now by the
fallback (rules.HOLDERS), as a new demo names them. An undated decision is dated when its
stop was requested.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from vigil.travel import rules

RULES_SETTLED = ["cleared", "rule_refused"]
DECIDED_BY_A_PERSON = ["approved", "refused"]


def name_the_deciders(apps, schema_editor):
    Clearance = apps.get_model("travel", "Clearance")
    RoleGrant = apps.get_model("core", "RoleGrant")
    dated = Coalesce("decided_at", "requested_at")
    Clearance.objects.filter(status__in=RULES_SETTLED).update(
        decided_as=rules.DECIDED_BY_RULES, decided_by=None, decided_at=dated)
    Clearance.objects.filter(status__in=DECIDED_BY_A_PERSON, decided_by__isnull=False).update(
        decided_as=rules.HOLDERS[0].level, decided_at=dated)
    unnamed = Clearance.objects.filter(status__in=DECIDED_BY_A_PERSON, decided_by__isnull=True)
    if not unnamed.exists():
        return
    covers = [rules.Cover(*row) for row in RoleGrant.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
        role__in=[h.role for h in rules.HOLDERS], user__is_active=True).values_list(
        "user_id", "role", "scope_kind", "scope_id")]
    named: dict[tuple[int, str], list[int]] = {}
    for pk, country, area, station, traveller, filer in unnamed.values_list(
            "pk", "country_id", "security_area_id", "duty_station_id",
            "request__traveller__user_id", "request__requested_by_id"):
        held = rules.holding(rules.Place(country, area, station), covers, traveller=traveller)
        # Nobody at all holds it only where no administrator exists: the filer is named.
        decider = (held.users[0], held.holder.level) if held.holder is not None else (
            filer, rules.HOLDERS[-1].level)
        named.setdefault(decider, []).append(pk)
    for (user, level), pks in named.items():
        Clearance.objects.filter(pk__in=pks).update(decided_by_id=user, decided_as=level,
                                                    decided_at=dated)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_warden_role"),
        ("travel", "0002_settings_row"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="clearance",
            name="decided_as",
            field=models.CharField(blank=True, choices=[
                ("rules", "the clearance rules"), ("security_officer", "security officer"),
                ("designated_official", "designated official"),
                ("dro_desk", "DRO desk officer"), ("administrators", "global administrator")],
                max_length=24, verbose_name="decided as"),
        ),
        migrations.RunPython(name_the_deciders, migrations.RunPython.noop),
    ]
