"""The standard courses, and the BSAFE and SSAFE dates of the staff record copied into
completions ("migrated from the staff record"). people's migration 0004 then removes the
fields, and depends on this one so that the copy runs first; the service
completions_migrated records such dates for a load made afterwards."""

import secrets

from django.db import migrations

from vigil.training import rules

COURSES = [
    # code, name, kind, validity months, applies to dependants, dependants from age,
    # required of all, required roles
    ("BSAFE", "BSAFE: UN security awareness", "security_awareness", None, True, 18, True, []),
    ("SSAFE", "Safe and Secure Approaches in Field Environments", "field_security", 36, False,
     None, False, []),
    ("STRESS", "Stress management for staff and families", "stress_management", None, True,
     None, False, []),
    ("CISM", "Critical-incident stress management for counsellors", "cism", 36, False, None,
     False, ["counsellor"]),
    ("SMT-DO", "Security management team and designated official training", "smt_do", None,
     False, None, False, ["designated_official"]),
    ("SCP", "Security certification programme for security professionals", "professional",
     60, False, None, False, ["security_officer"]),
]
FIELDS = {"bsafe_certified_on": "BSAFE", "ssafe_certified_on": "SSAFE"}


def _code(used):
    while True:
        code = rules.certificate_code([secrets.randbelow(32) for _i in range(rules.CODE_BODY)])
        if code not in used:
            used.add(code)
            return code


def forwards(apps, schema_editor):
    Course = apps.get_model("training", "Course")
    Completion = apps.get_model("training", "Completion")
    Person = apps.get_model("people", "Person")
    courses = {}
    for code, name, kind, months, dependants, age, for_all, roles in COURSES:
        courses[code], _created = Course.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "validity_months": months,
            "applies_to_dependants": dependants, "dependant_minimum_age": age,
            "required_for_all": for_all, "required_roles": roles})
    used = set(Completion.objects.values_list("certificate_code", flat=True))
    # Run again on today's models (tests put back the data migrations' rows that way), the
    # staff record has no dates left to copy: people 0004 removed them.
    kept = {f.name for f in Person._meta.get_fields()}
    for field, code in FIELDS.items():
        if field not in kept:
            continue
        course = courses[code]
        held = set(Completion.objects.filter(course=course, dependant__isnull=True)
                   .values_list("person_id", "completed_on"))
        batch = []
        for pk, day in Person.objects.filter(**{f"{field}__isnull": False}) \
                .values_list("pk", field).iterator(chunk_size=2000):
            if (pk, day) in held:
                continue
            batch.append(Completion(
                person_id=pk, course=course, completed_on=day,
                expires_on=rules.expiry(day, course.validity_months), source="migrated",
                certificate_code=_code(used)))
            if len(batch) >= 2000:
                Completion.objects.bulk_create(batch)
                batch = []
        Completion.objects.bulk_create(batch)


def backwards(apps, schema_editor):
    apps.get_model("training", "Completion").objects.filter(source="migrated").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0001_initial"),
        ("people", "0003_person_language"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
