"""The personnel import's bulk path (people.importing) gives what the row-by-row import gave
before it (kept here, as it was, as the reference): the same staff records, versions, report
and audit event, for new, unchanged and changed rows, and the same faults, by row and column,
with nothing written. One difference is wanted: a row that names a staff member as he or she
already is leaves the record alone (its version and stamp), where the reference counted the
version up; the report counts it as unchanged. On PostgreSQL both of its writers are compared
(COPY, and the executemany UPDATE used elsewhere). Its number of queries does not grow with
the rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vigil.core.authz import Perm, Role, ScopeKind
from vigil.core.errors import ValidationFailed
from vigil.core.importing import ImportReport, ImportScope, RowParser, import_records, read_rows
from vigil.core.models import AuditEvent
from vigil.people import importing, rules
from vigil.people.models import Organization, Person
from vigil.people.services import (
    PERSON_COLUMNS_OPTIONAL,
    PERSON_COLUMNS_REQUIRED,
    PERSON_FIELDS,
    personnel_import,
)
from vigil.places.models import DutyStation

HEADER = ("index_number,family_name,given_name,name_original,organization,category,"
          "duty_station,status,residence_address,residence_latitude,residence_longitude,"
          "phones,emails\n")
NEW = HEADER + (
    "20000001,Wang,Li,王力,UNDP,international,KE-NBO,,,-1.25,36.8,+254 20 1234567,"
    "li.wang@un.example\n"
    "20000002,Petrov,Ivan,Иван Петров,wfp,general_service,SO-MGQ,on_leave,2 Lane,,,,\n"
    "20000003,Diallo,,,UNDP,consultant,KE-MBA,separated,,,,"
    "+254 700 000001;+254 700 000002,a@b.example;c@d.example\n")
# The cast's people as they are (their residence, phones; no e-mail, status active).
UNCHANGED = HEADER + (
    "10000001,Achieng,A,,UNDP,international,KE-NBO,active,1 Road,-1.2,36.8,+254 20 7621234,\n"
    "10000002,Hassan,A,,WFP,international,KE-MBA,active,1 Road,-1.2,36.8,+254 20 7621234,\n")
CHANGED = HEADER + (
    # moved, residence moved (confirmed today), e-mail added
    "10000001,Achieng,Amina,,UNDP,national_professional,KE-MBA,on_leave,3 Road,-4.0,39.6,"
    "+254 20 7621234,amina@un.example\n"
    # residence gone, phones gone
    "10000002,Hassan,Omar,,WFP,international,KE-NBO,,,,,,\n"
    "20000009,New,,,WFP,volunteer,SO-MGQ,,,2.0,45.3,,\n")
# Optional columns absent: the existing values stay.
FEW_COLUMNS = ("index_number,family_name,organization,category,duty_station\n"
               "10000001,Achieng,UNDP,international,KE-MBA\n"
               "20000010,Brand-New,WFP,field_service,KE-NBO\n")
BAD = HEADER + (
    "20000001,Wang,Li,,UNDP,international,KE-NBO,,,,,,\n"
    "3,Short,,,UNDP,international,KE-NBO,,,,,,\n"
    "20000002,,,,NOPE,astronaut,XX-NONE,,,,,,\n"
    "20000003,X,,,UNDP,international,KE-NBO,asleep,,95,36,call me,not-an-email\n"
    "20000004,X,,,UNDP,international,KE-NBO,,,-1.2,,,\n"
    "20000001,Twice,,,UNDP,international,KE-NBO,,,,,,\n"
    "20000005,X,,,UNDP,international\n")
BAD_FAULTS = {(3, "index_number"), (4, "family_name"), (4, "organization"), (4, "category"),
              (4, "duty_station"), (5, "status"), (5, "residence_latitude"), (5, "phones"),
              (5, "emails"), (6, "residence_longitude"), (7, "index_number"), (8, "")}
COMPARED = [f.attname for f in Person._meta.concrete_fields
            if f.attname not in {"id", "created_at", "updated_at"}]


def row_by_row_import(*, actor: Any, data: bytes, skip_invalid: bool = False) -> ImportReport:
    """The personnel import as it was before the bulk path (commit d99d185): a model instance
    per row, a scope check per row, bulk_update of every field."""
    from django.utils.translation import gettext as _

    csv_rows = read_rows(data, required=PERSON_COLUMNS_REQUIRED,
                         optional=PERSON_COLUMNS_OPTIONAL)
    orgs = {o.code.upper(): o for o in Organization.objects.all()}
    stations = {s.code: s for s in DutyStation.objects.select_related("country")}
    existing = {p.index_number: p for p in Person.objects.select_related(
        "duty_station").filter(index_number__in=[
            r.get("index_number", "").upper() for _n, r in csv_rows.rows])}
    categories = [c.value for c in Person.Category]
    statuses = [s.value for s in Person.Status]
    has = csv_rows.has
    scope = ImportScope(actor, Perm.IMPORT_PERSONNEL, _(
        "You may not manage personnel of this duty station or organization."))

    def parse(number: int, row: dict[str, str]) -> Person:
        p = RowParser(number, row)
        index = p.code("index_number", rules.INDEX_NUMBER,
                       _("3 to 20 capital letters, digits or hyphens."))
        person = scope.take(p, "index_number", existing.get(index),
                            lambda: Person(index_number=index))
        family = p.text("family_name", required=True, max_length=100)
        org = p.reference("organization", orgs, _("No organization with code “%(value)s”."))
        category = p.choice("category", categories)
        station = p.reference("duty_station", stations,
                              _("No duty station with code “%(value)s”."))
        if has("given_name"):
            person.given_name = p.text("given_name", max_length=100)
        if has("name_original"):
            person.name_original = p.text("name_original", max_length=200)
        if has("status"):
            person.status = p.choice("status", statuses, default=Person.Status.ACTIVE)
        if has("residence_address"):
            person.residence_address = row["residence_address"]
        if has("residence_latitude") or has("residence_longitude"):
            lat = p.number_in("residence_latitude", -90, 90, required=False)
            lon = p.number_in("residence_longitude", -180, 180, required=False)
            if (lat is None) != (lon is None) and not p.errors:
                p.fail("residence_longitude" if lon is None else "residence_latitude",
                       _("Give both latitude and longitude, or neither."))
            if (lat, lon) != (person.residence_latitude, person.residence_longitude) \
                    and lat is not None:
                person.residence_confirmed_on = timezone.localdate()
            person.residence_latitude, person.residence_longitude = lat, lon
        if has("phones"):
            person.phones = rules.split_list(row["phones"])
            for phone in person.phones:
                if not rules.phone_ok(phone):
                    p.fail("phones", _("“%(value)s” is not a phone number.") % {"value": phone})
        if has("emails"):
            person.emails = rules.split_list(row["emails"])
            for email in person.emails:
                try:
                    validate_email(email)
                except DjangoValidationError:
                    p.fail("emails", _("“%(value)s” is not an e-mail address.")
                           % {"value": email})
        p.done()
        person.family_name, person.category = family, category
        person.organization, person.duty_station = org, station  # type: ignore[assignment]
        scope.check(p, "duty_station", person)
        return person

    return import_records(Person, csv_rows, parse, key=lambda x: x.index_number,
                          key_column="index_number", actor=actor, batch_size=2000,
                          fields=sorted((PERSON_FIELDS - {"index_number", "user"})
                                        | {"residence_confirmed_on"}),
                          action="people.person.import", skip_invalid=skip_invalid)


def outcome(run: Any, *, actor: Any, data: str, skip_invalid: bool = False) -> dict[str, Any]:
    """What an import leaves (staff records, report, its audit event, or its faults), then
    undone."""
    with transaction.atomic():
        try:
            report = run(actor=actor, data=data.encode(), skip_invalid=skip_invalid).as_dict()
        except ValidationFailed as failed:
            report = {"faults": sorted((e.row, e.field, e.code, str(e.message))
                                       for e in failed.errors)}
        event = AuditEvent.objects.filter(action="people.person.import").order_by(
            "-seq").values("actor_id", "object_type", "changes").first()
        people = list(Person.objects.order_by("index_number").values(*COMPARED))
        transaction.set_rollback(True)
    return {"report": report, "event": event, "people": people}


def people_now() -> list[dict[str, Any]]:
    return list(Person.objects.order_by("index_number").values(*COMPARED))


def but_unchanged_rows_kept(reference: dict[str, Any], original: list[dict[str, Any]]
                            ) -> dict[str, Any]:
    """What the bulk path must leave, from what the reference left: each staff member whose
    values the reference did not change keeps the version it had, and the report and its audit
    event count those as unchanged, not updated."""
    if "faults" in reference["report"]:
        return reference
    had = {p["index_number"]: p for p in original}
    people, kept = [], 0
    for person in reference["people"]:
        old = had.get(person["index_number"])
        if old is not None and {**person, "version": old["version"]} == old \
                and person["version"] != old["version"]:
            kept += 1
            person = old
        people.append(person)
    report = {**reference["report"], "updated": reference["report"]["updated"] - kept,
              "unchanged": kept}
    return {"report": report, "event": {**reference["event"], "changes": report},
            "people": people}


@pytest.fixture
def admin(cast: Any, user_with: Any) -> Any:
    return user_with(Role.ADMINISTRATOR)


@pytest.fixture(params=["copy", "executemany"])
def writer(request: Any, monkeypatch: Any) -> str:
    """Each of the bulk path's writers (COPY on PostgreSQL only)."""
    if request.param == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    if request.param == "executemany":
        monkeypatch.setattr(importing, "uses_copy", lambda: False)
    return str(request.param)


@pytest.mark.parametrize(("data", "skip_invalid"), [
    pytest.param(NEW, False, id="new"),
    pytest.param(UNCHANGED, False, id="unchanged"),
    pytest.param(CHANGED, False, id="changed"),
    pytest.param(FEW_COLUMNS, False, id="absent-columns"),
    pytest.param(BAD, False, id="bad"),
    pytest.param(BAD, True, id="bad-skipped"),
])
def test_the_bulk_path_leaves_what_the_row_by_row_import_left(cast, admin, writer, data,
                                                              skip_invalid):
    original = people_now()
    before = outcome(row_by_row_import, actor=admin, data=data, skip_invalid=skip_invalid)
    after = outcome(personnel_import, actor=admin, data=data, skip_invalid=skip_invalid)
    assert after == but_unchanged_rows_kept(before, original)


@pytest.mark.parametrize("data", [UNCHANGED, CHANGED, NEW], ids=["unchanged", "changed", "new"])
def test_a_scoped_administrator_gets_the_same_answer(cast, user_with, writer, data):
    """Kenya's administrator: Nairobi and Mombasa, not Mogadishu (row refused by scope)."""
    admin_ke = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    original = people_now()
    for skip_invalid in (False, True):
        before = outcome(row_by_row_import, actor=admin_ke, data=data,
                         skip_invalid=skip_invalid)
        after = outcome(personnel_import, actor=admin_ke, data=data, skip_invalid=skip_invalid)
        assert after == but_unchanged_rows_kept(before, original)


def test_a_bad_file_names_each_fault_and_writes_nothing(cast, admin, writer):
    people = list(Person.objects.order_by("pk").values(*COMPARED))
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as failure:
        personnel_import(actor=admin, data=BAD.encode())
    assert {(e.row, e.field) for e in failure.value.errors} == BAD_FAULTS
    assert list(Person.objects.order_by("pk").values(*COMPARED)) == people
    assert AuditEvent.objects.count() == events


def test_a_fault_the_database_finds_undoes_the_whole_import(cast, admin, writer, monkeypatch):
    """All or nothing down to the last statement: a write that fails (here, a person the
    file names as new created by someone else meanwhile) leaves nothing of the file."""
    real = importing.existing_people

    def stale(numbers: Any) -> dict[str, Any]:
        found = real(numbers)
        Person.objects.create(index_number="20000003", family_name="Meanwhile",
                              organization=cast.undp, category="international",
                              duty_station=cast.nairobi)
        return found

    monkeypatch.setattr(importing, "existing_people", stale)
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        personnel_import(actor=admin, data=(NEW + UNCHANGED.split("\n", 1)[1]).encode())
    assert not Person.objects.filter(index_number__in=["20000001", "20000002"]).exists()
    assert Person.objects.get(index_number="10000001").version == 1


def test_a_re_import_of_the_same_file_leaves_every_record_as_it_was(cast, admin, writer):
    """The second import of a file changes nothing: no version counted up, no stamp, so that an
    edit form opened before it is not made stale; the report and its event say so."""
    personnel_import(actor=admin, data=CHANGED.encode())
    amina = Person.objects.get(index_number="10000001")
    report = personnel_import(actor=admin, data=CHANGED.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert report.lines() == ["3 rows: 0 created, 0 updated, 3 unchanged, 0 skipped."]
    again = Person.objects.get(index_number="10000001")
    assert (again.version, again.updated_at) == (amina.version, amina.updated_at)
    event = AuditEvent.objects.filter(action="people.person.import").latest("seq")
    assert (event.actor_id, event.changes["updated"], event.changes["unchanged"]) == (
        admin.pk, 0, 3)


def test_a_re_import_counts_up_only_the_versions_it_changes(cast, admin, writer):
    started = timezone.now()
    personnel_import(actor=admin, data=UNCHANGED.encode())
    amina, omar = (Person.objects.get(index_number=n) for n in ("10000001", "10000002"))
    one_changed = UNCHANGED.replace("1 Road,-1.2,36.8,+254 20 7621234,\n10000002",
                                    "1 Road,-1.2,36.8,+254 20 7621234,a@un.example\n10000002")
    assert one_changed != UNCHANGED
    report = personnel_import(actor=admin, data=one_changed.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    amina_now, omar_now = (Person.objects.get(index_number=n) for n in ("10000001", "10000002"))
    assert amina_now.version == amina.version + 1
    assert amina_now.updated_at >= started
    assert amina_now.emails == ["a@un.example"]
    assert amina_now.residence_confirmed_on == amina.residence_confirmed_on  # same coordinates
    assert (omar_now.version, omar_now.updated_at) == (omar.version, omar.updated_at)
    event = AuditEvent.objects.filter(action="people.person.import").latest("seq")
    assert (event.actor_id, event.changes["updated"], event.changes["rows"]) == (admin.pk, 1, 2)


def file_of(rows: int, *, first: int) -> str:
    stations = ["KE-NBO", "KE-MBA", "SO-MGQ"]
    return HEADER + "".join(
        f"{first + i},Name{i},Given,,{'UNDP' if i % 2 else 'WFP'},international,"
        f"{stations[i % 3]},,{i} Road,-1.{i % 9},36.{i % 7},+254 20 76{i:05d},n{i}@un.example\n"
        for i in range(rows))


def queries(actor: Any, data: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        personnel_import(actor=actor, data=data.encode())
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_rows(cast, user_with, writer):
    """New rows, then the same rows again (updates), at 10 and at 200 rows: the same number
    of queries (below LOOKUP_BATCH index numbers, one read of the file's staff members)."""
    admin_ke = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    admin_ke_again = type(admin_ke).objects.get(pk=admin_ke.pk)  # its grants read again
    small, large = file_of(10, first=30000000), file_of(200, first=40000000)
    small = small.replace("SO-MGQ", "KE-NBO")
    large = large.replace("SO-MGQ", "KE-NBO")
    created = (queries(admin_ke, small), queries(admin_ke_again, large))
    small, large = (f.replace("@un.example", "@un.example.org") for f in (small, large))
    updated = (queries(type(admin_ke).objects.get(pk=admin_ke.pk), small),
               queries(type(admin_ke).objects.get(pk=admin_ke.pk), large))
    assert created[0] == created[1]
    assert updated[0] == updated[1]
    assert Person.objects.filter(index_number__startswith="4", version=2).count() == 200
    assert Person.objects.get(index_number="40000199").emails == ["n199@un.example.org"]


def test_progress_counts_every_row_and_the_collector_runs_again(cast, admin):
    import gc

    told: list[int] = []
    personnel_import(actor=admin, data=file_of(1203, first=50000000).encode(),
                     progress=told.append)
    assert sum(told) == 1203
    assert max(told) <= importing.PROGRESS_EVERY
    assert gc.isenabled()
    with pytest.raises(ValidationFailed):
        personnel_import(actor=admin, data=BAD.encode(), progress=told.append)
    assert gc.isenabled()
