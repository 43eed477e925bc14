"""What travel asks of training, who needs and lacks a course, the indicators, the public
check of a certificate, and the data migration of the staff record's dates."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.people.models import Person
from vigil.training import rules, selectors, services
from vigil.training.models import Completion, Course

D = dt.date


def _done(person, course, day, dependant=None, revoked=False):
    return Completion.objects.create(
        person=person, dependant=dependant, course=course, completed_on=day,
        expires_on=rules.expiry(day, course.validity_months), source="manual",
        certificate_code=services.new_certificate_code(), revoked=revoked)


def test_valid_on_follows_the_course_validity(cast, bsafe, ssafe):
    _done(cast.amina, bsafe, D(2010, 1, 1))  # never expires
    _done(cast.omar, ssafe, D(2023, 5, 1))  # expires 2026-05-01
    _done(cast.fatuma, ssafe, D(2025, 1, 1), revoked=True)
    people = [cast.amina.pk, cast.omar.pk, cast.fatuma.pk]
    assert selectors.valid_on(people, "BSAFE", D(2030, 1, 1)) == {cast.amina.pk}
    assert selectors.valid_on(people, "SSAFE", D(2026, 4, 30)) == {cast.omar.pk}
    assert selectors.valid_on(people, "SSAFE", D(2026, 5, 1)) == set()
    # A trip from 20 April to 3 May outlasts the certificate.
    assert selectors.valid_on(people, "SSAFE", D(2026, 4, 20), D(2026, 5, 3)) == set()
    assert selectors.valid_on([], "SSAFE", D(2026, 4, 20)) == set()


def test_a_configured_validity_makes_bsafe_expire(cast, officer, bsafe):
    services.course_update(actor=officer, course=bsafe, data={"validity_months": 36})
    _done(cast.amina, bsafe, D(2020, 1, 1))
    assert selectors.valid_on([cast.amina.pk], "BSAFE", D(2023, 1, 1)) == set()
    assert selectors.valid_on([cast.amina.pk], "BSAFE", D(2022, 12, 31)) == {cast.amina.pk}


def test_a_dependants_completion_is_not_the_staff_members(cast, bsafe):
    _done(cast.amina, bsafe, D(2024, 1, 1), dependant=cast.amina_child)
    assert selectors.valid_on([cast.amina.pk], "BSAFE", D(2025, 1, 1)) == set()
    assert selectors.dependants_valid_on([cast.amina_child.pk, cast.fatuma_spouse.pk],
                                         "BSAFE", D(2025, 1, 1)) == {cast.amina_child.pk}


def test_dependants_concerned_by_age(cast, bsafe, ssafe):
    cast.amina_child.date_of_birth = D(2015, 1, 1)
    cast.amina_child.save()
    cast.fatuma_spouse.date_of_birth = D(1990, 1, 1)
    cast.fatuma_spouse.save()
    both = [cast.amina_child.pk, cast.fatuma_spouse.pk]
    assert selectors.dependants_concerned(both, "BSAFE", D(2026, 1, 1)) == {
        cast.fatuma_spouse.pk}
    assert selectors.dependants_concerned(both, "SSAFE", D(2026, 1, 1)) == set()
    assert selectors.dependants_concerned(both, "NOPE", D(2026, 1, 1)) == set()


def test_who_needs_and_who_lacks_at_a_duty_station(cast, user_with, bsafe, ssafe):
    nairobi_colleague = cast.person("10000009", "Kamau", cast.undp, cast.nairobi)
    counsellor_user = user_with(Role.COUNSELLOR, ScopeKind.COUNTRY, cast.kenya,
                                person=nairobi_colleague)
    assert counsellor_user.person == nairobi_colleague
    ssafe.required_duty_stations.add(cast.nairobi)
    _done(cast.amina, bsafe, D(2019, 1, 1))
    reader = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    needs = {n.course.code: n for n in selectors.needs_at(user=reader,
                                                            duty_station=cast.nairobi)}
    assert needs["BSAFE"].required == 2
    assert needs["BSAFE"].holding == 1
    assert needs["BSAFE"].lacking == [nairobi_colleague]
    assert needs["SSAFE"].lacking_count == 2
    assert [p.pk for p in needs["CISM"].lacking] == [nairobi_colleague.pk]
    assert "SCP" not in needs


def test_needs_read_only_the_staff_in_the_readers_scope(cast, user_with):
    somalia_reader = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    assert selectors.needs_at(user=somalia_reader, duty_station=cast.nairobi) == []


def test_indicators(cast, ssafe):
    stress = Course.objects.get(code="STRESS")
    cism = Course.objects.get(code="CISM")
    _done(cast.fatuma, stress, D(2026, 2, 1))
    _done(cast.fatuma, stress, D(2026, 3, 1), dependant=cast.fatuma_spouse)
    _done(cast.omar, cism, D(2026, 2, 1))
    _done(cast.amina, ssafe, D(2025, 2, 1))
    coverage = selectors.stress_management_coverage(
        duty_station_ids=[cast.mogadishu.pk, cast.mombasa.pk], on=D(2026, 6, 1))
    assert coverage == {"applicable": True, "staff": 2, "staff_trained": 1, "dependants": 1,
                        "dependants_trained": 1, "percent": 66.7}
    assert selectors.stress_management_coverage(duty_station_ids=[], on=D(2026, 6, 1))[
        "percent"] is None
    assert selectors.cism_counsellors_trained(first=D(2026, 1, 1), last=D(2026, 12, 31)) == 1
    assert selectors.cism_counsellors_trained(first=D(2027, 1, 1), last=D(2027, 12, 31)) == 0
    assert selectors.security_training_participants(first=D(2026, 1, 1),
                                                    last=D(2026, 12, 31)) == {
        "applicable": True, "participants": 3, "completions": 3}


def test_certificate_check_real_expired_revoked_forged(cast, bsafe, ssafe):
    real = _done(cast.amina, bsafe, D(2024, 1, 1))
    old = _done(cast.omar, ssafe, D(2020, 1, 1))
    revoked = _done(cast.fatuma, ssafe, D(2025, 1, 1), revoked=True)
    found = selectors.certificate_check(real.certificate_code.lower())
    assert (found.state, found.completed_on, found.expires_on) == ("valid", D(2024, 1, 1), None)
    assert "BSAFE" in found.course
    assert selectors.certificate_check(old.certificate_code).state == "expired"
    assert selectors.certificate_check(revoked.certificate_code).state == "revoked"
    forged = real.certificate_code[:-1] + ("0" if real.certificate_code[-1] != "0" else "1")
    assert selectors.certificate_check(forged) == selectors.Verification(state="unknown")
    unused = rules.certificate_code([0] * 11)
    assert selectors.certificate_check(unused).state == "unknown"
    assert selectors.certificate_check("nonsense").state == "unknown"


class _FormerStaffRecord:
    """The staff record as migration 0002 read it, with its BSAFE and SSAFE dates (the
    fields are gone since people 0004): just the query the migration makes."""

    def __init__(self, dates: dict[str, list[tuple[int, Any]]]) -> None:
        self.dates, self.field = dates, ""
        self.objects = self._meta = self

    def get_fields(self) -> list[Any]:
        return [SimpleNamespace(name=name) for name in self.dates]

    def filter(self, **lookup: Any) -> _FormerStaffRecord:
        self.field = next(iter(lookup)).removesuffix("__isnull")
        return self

    def values_list(self, *_fields: str) -> _FormerStaffRecord:
        return self

    def iterator(self, chunk_size: int = 0) -> Any:
        return iter(self.dates.get(self.field, []))


class _Apps:
    def __init__(self, person: _FormerStaffRecord) -> None:
        self.person = person

    def get_model(self, app: str, name: str) -> Any:
        return self.person if name == "Person" else apps.get_model(app, name)


def test_data_migration_copies_every_staff_date(cast, bsafe, ssafe):
    Completion.objects.all().delete()
    former = _FormerStaffRecord({"bsafe_certified_on": [(cast.amina.pk, D(2018, 3, 3))],
                                 "ssafe_certified_on": [(cast.omar.pk, D(2024, 2, 29))]})
    migration = importlib.import_module(
        "vigil.training.migrations.0002_courses_and_staff_record_dates")
    migration.forwards(_Apps(former), None)
    migration.forwards(_Apps(former), None)  # twice: nothing more
    rows = sorted(Completion.objects.values_list("person_id", "course__code", "completed_on",
                                                 "expires_on", "source"))
    assert rows == sorted([(cast.amina.pk, "BSAFE", D(2018, 3, 3), None, "migrated"),
                           (cast.omar.pk, "SSAFE", D(2024, 2, 29), D(2027, 2, 28),
                            "migrated")])
    assert all(rules.code_well_formed(c) for c in
               Completion.objects.values_list("certificate_code", flat=True))


def test_data_migration_run_again_on_todays_models_copies_nothing(cast, bsafe):
    """Tests put back the data migrations' rows by running them on today's models, where the
    staff record has no dates left."""
    Completion.objects.all().delete()
    importlib.import_module(
        "vigil.training.migrations.0002_courses_and_staff_record_dates").forwards(apps, None)
    assert not Completion.objects.exists()
    assert Course.objects.filter(code="BSAFE").exists()


def test_the_staff_record_loses_its_dates_only_after_training_copied_them():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    removal = ("people", "0004_staff_record_loses_course_dates")
    copy = ("training", "0002_courses_and_staff_record_dates")
    assert copy in loader.graph.forwards_plan(removal)
    plan = loader.graph.forwards_plan(removal)
    assert plan.index(copy) < plan.index(removal)
    assert "bsafe_certified_on" not in {f.name for f in Person._meta.get_fields()}
    assert "ssafe_certified_on" not in {f.name for f in Person._meta.get_fields()}


def test_my_training_lists_own_records_only(cast, user_with, bsafe):
    _done(cast.amina, bsafe, D(2024, 1, 1))
    _done(cast.omar, bsafe, D(2024, 1, 1))
    me = user_with(Role.TRAVELLER, person=cast.amina)
    mine = selectors.my_training(user=me)
    assert [c.person_id for c in mine["completions"]] == [cast.amina.pk]
    assert list(selectors.completion_list(user=me)) == mine["completions"]
    nobody = user_with(Role.TRAVELLER)
    assert selectors.my_training(user=nobody)["person"] is None
    assert timezone.localdate()
