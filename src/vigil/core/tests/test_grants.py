"""Granting and revoking roles: who may, renewal of expired grants, the admin site, the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vigil.core import services
from vigil.core.authz import Role, ScopeKind, roles_of
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.models import AuditEvent, RoleGrant


def test_global_administrator_grants_and_revokes_with_audit(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    bob = user_with(None)
    grant = services.role_grant_create(actor=admin, user=bob, role="security_officer",
                                       scope_kind="country", scope_id=cast.kenya.pk)
    assert Role.SECURITY_OFFICER in roles_of(bob)
    assert AuditEvent.objects.filter(action="core.role_grant.create").exists()
    services.role_grant_revoke(actor=admin, grant=grant)
    assert Role.SECURITY_OFFICER not in roles_of(bob)
    assert AuditEvent.objects.filter(action="core.role_grant.revoke").exists()


def test_country_administrator_grants_only_inside_their_country(cast, user_with):
    admin_ke = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    bob = user_with(None)
    services.role_grant_create(actor=admin_ke, user=bob, role="security_officer",
                               scope_kind="country", scope_id=cast.kenya.pk)
    with pytest.raises(Forbidden):
        services.role_grant_create(actor=admin_ke, user=bob, role="security_officer",
                                   scope_kind="country", scope_id=cast.somalia.pk)
    with pytest.raises(Forbidden):
        services.role_grant_create(actor=admin_ke, user=bob, role="administrator",
                                   scope_kind="global")


@pytest.mark.parametrize(("role", "kind", "scope_id", "field"), [
    ("wizard", "global", None, "role"),
    ("traveller", "galaxy", None, "scope_kind"),
    ("traveller", "country", None, "scope_id"),
    ("traveller", "country", 999999, "scope_id"),
    ("traveller", "global", 5, "scope_id"),
])
def test_bad_grants_name_the_field(cast, user_with, role, kind, scope_id, field):
    with pytest.raises(ValidationFailed) as failure:
        services.role_grant_create(actor=user_with(Role.ADMINISTRATOR), user=user_with(None),
                                   role=role, scope_kind=kind, scope_id=scope_id)
    assert failure.value.errors[0].field == field


def test_duplicate_grant_refused_but_expired_grant_renewed(cast, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    bob = user_with(None)
    services.role_grant_create(actor=admin, user=bob, role="traveller", scope_kind="global")
    with pytest.raises(ValidationFailed):
        services.role_grant_create(actor=admin, user=bob, role="traveller", scope_kind="global")
    RoleGrant.objects.filter(user=bob).update(expires_at=timezone.now() - dt.timedelta(days=1))
    services.role_grant_create(actor=admin, user=bob, role="traveller", scope_kind="global")
    assert RoleGrant.objects.filter(user=bob).count() == 1
    assert RoleGrant.objects.in_force().filter(user=bob).exists()


def test_administrator_role_opens_and_closes_the_admin_site(cast, user_with):
    root = user_with(Role.ADMINISTRATOR)
    carol = user_with(None)
    grant = services.role_grant_create(actor=root, user=carol, role="administrator",
                                       scope_kind="global")
    carol.refresh_from_db()
    assert carol.is_staff
    services.role_grant_revoke(actor=root, grant=grant)
    carol.refresh_from_db()
    assert not carol.is_staff


def test_admin_site_pages_for_global_administrator_only(cast, user_with, client):
    admin = user_with(Role.ADMINISTRATOR)
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    for url in ("/admin/", "/admin/core/rolegrant/", "/admin/core/rolegrant/add/",
                "/admin/auth/user/", "/admin/core/auditevent/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    scoped = user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya)
    scoped.is_staff = True
    scoped.save()
    client.force_login(scoped)
    assert client.get("/admin/core/rolegrant/").status_code == 403


def test_admin_site_grant_goes_through_the_service(cast, user_with, client):
    admin = user_with(Role.ADMINISTRATOR)
    admin.is_staff = True
    admin.save()
    bob = user_with(None)
    client.force_login(admin)
    response = client.post("/admin/core/rolegrant/add/", {
        "user": bob.pk, "role": "security_officer", "scope_kind": "country",
        "scope_id": cast.kenya.pk, "note": "field rotation"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="core.role_grant.create")
    assert event.actor == admin
    assert event.changes["role"] == [None, "security_officer"]


def test_grant_command_bootstraps_the_first_administrator(cast, capsys):
    call_command("grant", "root", "administrator", "--create")
    call_command("grant", "root", "security_officer", "--scope", "country:ke")
    call_command("grant", "root", "hq_security_officer", "--scope", "duty_station:KE-NBO")
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.get(username="root")
    assert root.is_staff
    assert roles_of(root) == {Role.ADMINISTRATOR, Role.SECURITY_OFFICER,
                              Role.HQ_SECURITY_OFFICER}
    assert AuditEvent.objects.filter(action="core.role_grant.create",
                                     actor_label="system").count() == 3
    with pytest.raises(CommandError, match="No country"):
        call_command("grant", "root", "traveller", "--scope", "country:QQ")
    with pytest.raises(CommandError, match="add --create"):
        call_command("grant", "nobody", "traveller")


def test_admin_site_renews_an_expired_grant(cast, user_with, client):
    admin = user_with(Role.ADMINISTRATOR)
    bob = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    RoleGrant.objects.filter(user=bob).update(expires_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(admin)
    response = client.post("/admin/core/rolegrant/add/", {
        "user": bob.pk, "role": "security_officer", "scope_kind": "country",
        "scope_id": cast.kenya.pk})
    assert response.status_code == 302
    assert RoleGrant.objects.in_force().filter(user=bob).count() == 1


def test_admin_site_duplicate_grant_is_refused_with_a_message(cast, user_with, client):
    admin = user_with(Role.ADMINISTRATOR)
    bob = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    client.force_login(admin)
    response = client.post("/admin/core/rolegrant/add/", {
        "user": bob.pk, "role": "security_officer", "scope_kind": "country",
        "scope_id": cast.kenya.pk}, follow=True)
    assert "already holds this role" in response.content.decode()
    assert RoleGrant.objects.filter(user=bob).count() == 1


def test_admin_sets_a_password_through_the_audited_service(cast, user_with, client):
    admin = user_with(Role.ADMINISTRATOR)
    bob = user_with(None)
    client.force_login(admin)
    new = "another long passphrase 77"
    response = client.post(f"/admin/auth/user/{bob.pk}/password/",
                           {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(new)
    event = AuditEvent.objects.get(action="core.user.password_set")
    assert event.actor == admin
    assert event.object_id == str(bob.pk)


def test_scoped_administrator_gets_no_admin_site(cast, user_with):
    root = user_with(Role.ADMINISTRATOR)
    carol = user_with(None)
    services.role_grant_create(actor=root, user=carol, role="administrator",
                               scope_kind="country", scope_id=cast.kenya.pk)
    carol.refresh_from_db()
    assert not carol.is_staff


def test_grant_command_reports_bad_input_plainly(cast):
    call_command("grant", "Root", "administrator", "--create")
    with pytest.raises(CommandError, match="already holds"):
        call_command("grant", "root", "administrator")  # same user, any case
    with pytest.raises(CommandError, match="named by its number"):
        call_command("grant", "root", "traveller", "--scope", "security_area:abc")
    with pytest.raises(CommandError, match="Unknown scope kind"):
        call_command("grant", "root", "traveller", "--scope", "galaxy:1")
