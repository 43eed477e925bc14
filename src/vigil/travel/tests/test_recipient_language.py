"""A clearance request reaches each approving officer in the officer's own language, while
the traveller asked in English."""

# ruff: noqa: RUF001 - Chinese is written with full-width colons and commas

from __future__ import annotations

from django.core import mail
from django.utils import translation

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import UserPreference
from vigil.travel import services


def test_each_approver_reads_the_clearance_request_in_their_language(
        cast, user_with, traveller, trip, levels, somalia_officer,
        django_capture_on_commit_callbacks):
    chinese = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    chinese.email = "so.zh@un.example"
    chinese.save()
    UserPreference.objects.create(user=chinese, language="zh-hans")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.request_create(actor=traveller, traveller=cast.amina,
                                data={"purpose": "Assessment"},
                                segments=trip.there_and_back(cast.mogadishu), submit=True)
    sent = {m.to[0]: m for m in mail.outbox}
    zh, en = sent["so.zh@un.example"], sent[somalia_officer.email]
    assert zh.subject.startswith("差旅许可申请：")
    assert "需要您审批的原因" in zh.body
    assert "clearance is manual" not in zh.body  # the reasons too
    assert en.subject.startswith("Travel clearance requested: ")
    assert "Why it needs your approval" in en.body
    assert "from level 4 clearance is manual" in en.body
