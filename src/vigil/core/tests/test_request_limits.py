"""Uploads and pastes have one limit (VIGIL_MAX_UPLOAD_BYTES, 5 MB), and a larger request gets
a clean 400 in the user's language, never Django's RequestDataTooBig page."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from vigil.core.authz import Role, ScopeKind

MB = 1024 * 1024
UPLOAD = "/crisis/cap/upload/"


def _officer(cast, user_with, client):
    client.force_login(user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya))
    return client


def test_a_3_mb_paste_reaches_the_cap_check(cast, user_with, client) -> None:
    client = _officer(cast, user_with, client)
    response = client.post(UPLOAD, {"xml": "<alert>" + "x" * (3 * MB) + "</alert>"})
    page = response.content.decode()
    assert "This is not a CAP 1.2 message" in page  # the form answers with the CAP fault
    assert "larger than Vigil accepts" not in page


def test_a_paste_over_the_limit_gets_a_400_page_naming_it(cast, user_with, client) -> None:
    client = _officer(cast, user_with, client)
    response = client.post(UPLOAD, {"xml": "x" * (6 * MB)})
    assert response.status_code == 400
    assert "at most 5 MB" in response.content.decode()


def test_the_refusal_is_in_the_users_language(cast, user_with, client) -> None:
    client = _officer(cast, user_with, client)
    response = client.post(UPLOAD, {"xml": "x" * (6 * MB)}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "5 MB" in response.content.decode()
    assert "larger than Vigil accepts" not in response.content.decode()


def test_an_api_body_over_the_limit_gets_a_400_json(cast, user_with, client) -> None:
    client = _officer(cast, user_with, client)
    response = client.post("/api/v1/incidents/", data=b"{" + b" " * (6 * MB) + b"}",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert "5 MB" in response.json()["message"]


def test_a_large_file_is_judged_by_its_own_limit_not_the_request_limit(cast, user_with,
                                                                       client) -> None:
    client = _officer(cast, user_with, client)
    big = SimpleUploadedFile("alert.xml", b"x" * (6 * MB), content_type="application/xml")
    response = client.post(UPLOAD, {"file": big})
    page = response.content.decode()
    assert "The file is larger than 5 MB" in page  # the form's own fault beside the field
    assert "larger than Vigil accepts" not in page
