"""Personnel CSV import, through the service, the HTML page and the command line."""

from __future__ import annotations

import pytest

from vigil.core.authz import Role
from vigil.core.errors import ValidationFailed
from vigil.people.models import Person
from vigil.people.services import personnel_import

HEADER = ("index_number,family_name,given_name,name_original,organization,category,"
          "duty_station,phones,emails,residence_latitude,residence_longitude\n")
GOOD = HEADER + (
    "20000001,Wang,Li,王力,UNDP,international,KE-NBO,+254 20 1234567,li.wang@un.example,"
    "-1.25,36.8\n"
    "20000002,Petrov,Ivan,Иван Петров,WFP,general_service,SO-MGQ,,,,\n"
    "10000001,Achieng,Amina,,UNDP,national_professional,KE-NBO,+254 700 000001;+254 700 000002"
    ",,,\n")


@pytest.fixture
def admin(cast, user_with):
    return user_with(Role.ADMINISTRATOR)


def test_good_file_creates_and_updates(cast, admin):
    report = personnel_import(actor=admin, data=GOOD.encode())
    assert (report.created, report.updated) == (2, 1)
    wang = Person.objects.get(index_number="20000001")
    assert wang.name_original == "王力"
    assert wang.emails == ["li.wang@un.example"]
    assert Person.objects.get(index_number="10000001").phones == ["+254 700 000001",
                                                                  "+254 700 000002"]


@pytest.mark.parametrize(("row", "column"), [
    ("3,Short,,,UNDP,international,KE-NBO,,,,", "index_number"),
    ("20000009,,,,UNDP,international,KE-NBO,,,,", "family_name"),
    ("20000009,X,,,NOPE,international,KE-NBO,,,,", "organization"),
    ("20000009,X,,,UNDP,astronaut,KE-NBO,,,,", "category"),
    ("20000009,X,,,UNDP,international,XX-NONE,,,,", "duty_station"),
    ("20000009,X,,,UNDP,international,KE-NBO,call me,,,", "phones"),
    ("20000009,X,,,UNDP,international,KE-NBO,,not-an-email,,", "emails"),
    ("20000009,X,,,UNDP,international,KE-NBO,,,95,36", "residence_latitude"),
    ("20000009,X,,,UNDP,international,KE-NBO,,,-1.2,", "residence_longitude"),
    ("20000001,Twice,,,UNDP,international,KE-NBO,,,,", "index_number"),
])
def test_bad_row_imports_nothing_and_names_row_and_column(cast, admin, row, column):
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as failure:
        personnel_import(actor=admin, data=(GOOD + row + "\n").encode())
    assert any(e.row == 5 and e.field == column for e in failure.value.errors), \
        failure.value.errors
    assert Person.objects.count() == before


def test_every_bad_cell_of_a_row_is_reported(cast, admin):
    row = "20000009,,,,NOPE,astronaut,XX-NONE,,,,"
    with pytest.raises(ValidationFailed) as failure:
        personnel_import(actor=admin, data=(HEADER + row + "\n").encode())
    assert {e.field for e in failure.value.errors} == {"family_name", "organization",
                                                       "category", "duty_station"}


def test_html_import_page(cast, admin, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin)
    response = client.post("/people/personnel/import/",
                           {"file": SimpleUploadedFile("p.csv", GOOD.encode())})
    assert response.status_code == 200
    assert Person.objects.filter(index_number="20000002").exists()
    assert "unchanged" not in response.content.decode()
    again = client.post("/people/personnel/import/",
                        {"file": SimpleUploadedFile("p.csv", GOOD.encode())}, follow=True)
    created = GOOD.count("\n") - 1
    assert (f"0 created, 0 updated, {created} unchanged, 0 rows skipped."
            in again.content.decode())


def test_scoped_administrator_cannot_pull_a_person_into_their_scope(cast, user_with):
    from vigil.core.authz import ScopeKind

    admin_ke = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    data = (HEADER.split(",phones")[0] + "\n"
            "10000003,Abdi,,,WFP,international,KE-NBO\n")
    with pytest.raises(ValidationFailed) as failure:
        personnel_import(actor=admin_ke, data=data.encode())
    assert [(e.row, e.field, e.code) for e in failure.value.errors] == [
        (2, "index_number", "forbidden")]
    assert Person.objects.get(index_number="10000003").duty_station == cast.mogadishu


def test_absent_optional_columns_keep_contact_data(cast, admin):
    data = ("index_number,family_name,organization,category,duty_station\n"
            "10000001,Achieng,UNDP,international,KE-MBA\n")
    personnel_import(actor=admin, data=data.encode())
    amina = Person.objects.get(index_number="10000001")
    assert amina.duty_station == cast.mombasa
    assert amina.phones == ["+254 20 7621234"]
    assert amina.residence_latitude == -1.2
    assert amina.version == 2


def test_import_of_existing_people_reads_stay_constant(cast, user_with,
                                                       django_assert_max_num_queries):
    from vigil.core.authz import ScopeKind

    admin_ke = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    data = ("index_number,family_name,organization,category,duty_station\n"
            "10000001,Achieng,UNDP,international,KE-MBA\n"
            "10000002,Hassan,WFP,international,KE-NBO\n")
    with django_assert_max_num_queries(20):
        report = personnel_import(actor=admin_ke, data=data.encode())
    assert report.updated == 2


@pytest.mark.parametrize("column", ["bsafe_certified_on", "ssafe_certified_on"])
def test_a_file_with_the_former_course_dates_is_refused_naming_the_column(cast, admin, column):
    """The staff record no longer keeps BSAFE and SSAFE dates (training does): a file that
    still carries them is refused, not silently half-read."""
    data = (HEADER.rstrip("\n") + f",{column}\n"
            "20000001,Wang,Li,,UNDP,international,KE-NBO,,,,,2024-01-01\n")
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as failure:
        personnel_import(actor=admin, data=data.encode())
    (error,) = failure.value.errors
    assert (error.field, error.row) == (column, 1)
    assert "training" in str(error.message)
    assert Person.objects.count() == before


def test_other_unknown_columns_keep_their_message(cast, admin):
    data = HEADER.rstrip("\n") + ",shoe_size\n20000001,Wang,Li,,UNDP,international,KE-NBO,,,,,42\n"
    with pytest.raises(ValidationFailed) as failure:
        personnel_import(actor=admin, data=data.encode())
    (error,) = failure.value.errors
    assert error.field == "shoe_size"
    assert "Unknown column" in str(error.message)
