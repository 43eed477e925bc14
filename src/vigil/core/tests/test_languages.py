"""The recipient's language: the account's choice (the browser's at first sign-in, then the
switcher or the profile), else the staff record's, else English; notifications and the
password reset mail are written in it, whatever the language of the request that made them."""

# ruff: noqa: RUF001 - Chinese is written with full-width colons and commas

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_lazy

from vigil.core import services
from vigil.core.authz import Role
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.i18n import Msg, is_spoken, language_or_default, render
from vigil.core.models import AuditEvent, Notification, UserPreference


def speaks(user, language: str) -> None:
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})


def with_mail(user, address: str):
    user.email = address
    user.save()
    return user


def test_a_msg_renders_in_the_language_asked_with_its_parameters():
    msg = Msg(gettext_lazy("Trip %(ref)s cancelled"), ref="TR-00001")
    assert render(msg, "zh-hans") == "差旅 TR-00001 已取消"
    assert render(msg, "en") == "Trip TR-00001 cancelled"
    with translation.override("zh-hans"):
        assert str(msg) == "差旅 TR-00001 已取消"


def test_only_the_languages_vigil_is_translated_into_are_spoken():
    assert is_spoken("zh-hans")
    assert not is_spoken("de")
    assert not is_spoken("")
    assert not is_spoken(None)
    assert language_or_default("de", "fr") == "fr"


def test_notify_writes_to_each_recipient_in_their_language(
        cast, user_with, django_capture_on_commit_callbacks):
    chinese = with_mail(user_with(Role.TRAVELLER, username="li"), "li@un.example")
    english = with_mail(user_with(Role.TRAVELLER, username="ann"), "ann@un.example")
    speaks(chinese, "zh-hans")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        told = services.notify(users=[chinese, english],
                               subject=Msg(gettext_lazy("Trip %(ref)s cancelled"),
                                           ref="TR-00001"),
                               body="Typed by the traveller.")
    assert told == 2
    assert Notification.objects.get(user=chinese).subject == "差旅 TR-00001 已取消"
    assert Notification.objects.get(user=english).subject == "Trip TR-00001 cancelled"
    sent = {m.to[0]: m for m in mail.outbox}
    assert sent["li@un.example"].subject == "差旅 TR-00001 已取消"
    assert sent["ann@un.example"].subject == "Trip TR-00001 cancelled"
    # What a person typed goes to everyone as it was written.
    assert {m.body for m in mail.outbox} == {"Typed by the traveller."}


def test_an_account_without_a_choice_reads_its_staff_records_language(cast, user_with):
    cast.amina.language = "zh-hans"
    cast.amina.save()
    user = user_with(Role.TRAVELLER, person=cast.amina)
    services.notify(users=[user], subject=Msg(gettext_lazy("Trip %(ref)s cancelled"),
                                              ref="TR-7"))
    assert Notification.objects.get(user=user).subject == "差旅 TR-7 已取消"
    speaks(user, "en")  # the account's own choice comes first
    services.notify(users=[user], subject=Msg(gettext_lazy("Trip %(ref)s cancelled"),
                                              ref="TR-8"))
    assert Notification.objects.filter(user=user, subject="Trip TR-8 cancelled").exists()


def test_first_sign_in_takes_the_browsers_language_and_later_ones_keep_it(cast, user_with,
                                                                         client):
    user = user_with(Role.TRAVELLER, username="li")
    response = client.post("/sign-in/", {"username": "li", "password": "correct horse battery"},
                           HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert UserPreference.objects.get(user=user).language == "zh-hans"
    assert response.cookies["vigil_language"].value == "zh-hans"
    event = AuditEvent.objects.get(action="core.user.language_set")
    assert event.changes == {"language": [None, "zh-hans"], "from": "browser"}
    client.post("/sign-out/")
    client.cookies.clear()
    again = client.post("/sign-in/", {"username": "li", "password": "correct horse battery"},
                        HTTP_ACCEPT_LANGUAGE="fr")
    assert UserPreference.objects.get(user=user).language == "zh-hans"
    # The account's language shows on this browser too.
    assert again.cookies["vigil_language"].value == "zh-hans"


def test_a_language_picked_before_signing_in_becomes_the_accounts(cast, user_with, client):
    user = user_with(Role.TRAVELLER, username="li")
    client.post("/sign-in/", {"username": "li", "password": "correct horse battery"},
                HTTP_ACCEPT_LANGUAGE="en")
    assert UserPreference.objects.get(user=user).language == "en"
    client.post("/sign-out/")
    client.cookies["vigil_language"] = "zh-hans"  # the switcher, on the sign-in page
    response = client.post("/sign-in/", {"username": "li",
                                         "password": "correct horse battery"}, follow=True)
    assert UserPreference.objects.get(user=user).language == "zh-hans"
    assert "欢迎" in response.content.decode()


def test_a_browser_that_states_no_language_leaves_the_choice_open(cast, user_with, client):
    user = user_with(Role.TRAVELLER, username="ann")
    client.post("/sign-in/", {"username": "ann", "password": "correct horse battery"})
    assert not UserPreference.objects.filter(user=user).exclude(language="").exists()


def test_the_switcher_saves_the_signed_in_persons_language(cast, user_with, client):
    user = user_with(Role.TRAVELLER)
    client.force_login(user)
    response = client.post("/language/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["vigil_language"].value == "zh-hans"
    assert UserPreference.objects.get(user=user).language == "zh-hans"
    client.post("/language/", {"language": "fr", "next": "/"})
    assert UserPreference.objects.get(user=user).language == "fr"
    assert AuditEvent.objects.filter(action="core.user.language_set").count() == 2


def test_the_switcher_for_someone_signed_out_sets_only_the_cookie(db, client):
    response = client.post("/language/", {"language": "zh-hans", "next": "/sign-in/"})
    assert response.status_code == 302
    assert response.cookies["vigil_language"].value == "zh-hans"
    assert not UserPreference.objects.exists()
    assert "登录" in client.get("/sign-in/").content.decode()


def test_the_profile_page_offers_the_language(cast, user_with, client):
    with_person = user_with(Role.TRAVELLER, person=cast.amina)
    speaks(with_person, "fr")
    client.force_login(with_person)
    page = client.get("/people/me/").content.decode()
    assert 'action="/language/"' in page
    assert '<option value="fr" lang="fr" selected>' in page
    client.force_login(user_with(Role.TRAVELLER))  # no staff record: still their own choice
    assert 'action="/language/"' in client.get("/people/me/").content.decode()


def test_only_the_person_sets_their_language_and_only_a_un_language(cast, user_with):
    user, other = user_with(Role.TRAVELLER), user_with(Role.ADMINISTRATOR)
    with pytest.raises(Forbidden):
        services.user_language_set(actor=other, user=user, language="fr")
    with pytest.raises(ValidationFailed) as refused:
        services.user_language_set(actor=user, user=user, language="de")
    assert refused.value.errors[0].field == "language"
    assert not UserPreference.objects.exclude(language="").exists()


def test_the_password_reset_mail_is_in_the_accounts_language(cast, user_with, client):
    user = with_mail(user_with(Role.TRAVELLER, username="li"), "li@un.example")
    speaks(user, "zh-hans")
    client.cookies["vigil_language"] = "en"
    client.post("/password-reset/", {"email": "li@un.example"})
    assert mail.outbox[0].subject == "Vigil：设置新密码"
    assert "有人申请重置您的 Vigil 账户密码" in mail.outbox[0].body
