"""MOSS: documents derived from an approved SRA, items, approval, compliance assessments of
a duty station, premises or residence, the compliance %, trends; allowed and refused."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.risk import services
from vigil.risk.models import ComplianceAssessment, MossDocument
from vigil.risk.tests.test_sras import ENTRY, TODAY


@pytest.fixture
def people(cast, user_with):
    return {
        "so": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "do": user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya),
        "dro": user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "hq": user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.PREMISES, cast.gigiri),
        "so_somalia": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia),
    }


@pytest.fixture
def sra(cast, people):
    sra = services.sra_create(actor=people["so"], data={
        "country": cast.kenya, "title": "Kenya SRA", "valid_from": TODAY,
        "valid_until": TODAY + dt.timedelta(days=365),
        "review_due": TODAY + dt.timedelta(days=180)})
    services.risk_entry_save(actor=people["so"], sra=sra, data=dict(ENTRY), version=1)
    sra.refresh_from_db()
    sra = services.sra_transition(actor=people["so"], sra=sra, action="submit",
                                  version=sra.version)
    return services.sra_transition(actor=people["do"], sra=sra, action="approve",
                                   version=sra.version)


@pytest.fixture
def moss(cast, people, sra):
    document = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                             title="MOSS Kenya", sra=sra)
    return services.moss_document_approve(actor=people["dro"], document=document,
                                          version=document.version)


def test_document_derives_from_an_approved_sra_with_the_standard_items(cast, people, sra):
    document = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                             title="MOSS Kenya", sra=sra)
    categories = set(document.items.values_list("category", flat=True))
    assert categories == {"telecommunications", "documentation", "coordination", "medical",
                          "equipment", "vehicles", "premises", "training", "residential"}


@pytest.mark.parametrize("problem", ["no_sra", "draft_sra", "other_country"])
def test_document_needs_an_approved_sra_of_its_country(cast, people, sra, user_with, problem):
    if problem == "draft_sra":
        sra.status = "draft"
        sra.save()
    officer = user_with(Role.SECURITY_OFFICER)  # global, so only the SRA rule can refuse
    country = cast.somalia if problem == "other_country" else cast.kenya
    with pytest.raises(ValidationFailed) as failure:
        services.moss_document_create(actor=officer, country=country, title="MOSS",
                                      sra=None if problem == "no_sra" else sra)
    assert failure.value.errors[0].field == "sra"


def test_hq_moss_belongs_to_an_hq_duty_station_and_keeps_premises_items(cast, people):
    with pytest.raises(ValidationFailed) as failure:
        services.moss_document_create(actor=people["so"], country=cast.kenya, title="H-MOSS",
                                      kind=MossDocument.Kind.HQ, duty_station=cast.mombasa)
    assert failure.value.errors[0].field == "duty_station"
    document = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                             title="H-MOSS Nairobi",
                                             kind=MossDocument.Kind.HQ,
                                             duty_station=cast.nairobi)
    assert set(document.items.values_list("applies_to", flat=True)) <= {"all", "premises"}


def test_hq_security_officer_works_on_the_h_moss_of_their_duty_station(cast, people,
                                                                      user_with, client):
    hq_officer = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)
    document = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                             title="H-MOSS Nairobi",
                                             kind=MossDocument.Kind.HQ,
                                             duty_station=cast.nairobi)
    services.moss_document_approve(actor=people["dro"], document=document, version=1)
    client.force_login(hq_officer)
    assert "H-MOSS Nairobi" in client.get("/risk/moss/").content.decode()
    response = client.post(f"/risk/moss/{document.pk}/assess/", {
        "premises": cast.gigiri.pk, "assessed_on": TODAY.isoformat()})
    assert response.status_code == 302


def test_residence_assessments_are_need_to_know(cast, people, moss, user_with, client):
    from vigil.core.models import AuditEvent

    assessment = services.compliance_assessment_start(actor=people["so"], document=moss,
                                                      duty_station=None,
                                                      residence_of=cast.amina)
    client.force_login(user_with(Role.PROGRAMME_MANAGER))  # sees risk, not personal data
    assert client.get(f"/risk/moss/assessments/{assessment.pk}/").status_code == 404
    client.force_login(people["so"])
    assert client.get(f"/risk/moss/assessments/{assessment.pk}/").status_code == 200
    assert AuditEvent.objects.filter(action="risk.moss.read_residence").exists()


def test_items_change_only_in_draft_and_approval_is_dros(cast, people, sra):
    document = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                             title="MOSS Kenya", sra=sra)
    item = services.moss_item_save(actor=people["so"], document=document, version=1, data={
        "category": "telecommunications", "standard": "Satellite phone per vehicle.",
        "requirement": "Tested monthly.", "applies_to": "duty_station"})
    with pytest.raises(StaleVersion):
        services.moss_item_remove(actor=people["so"], document=document, item=item, version=1)
    with pytest.raises(Forbidden):
        services.moss_document_approve(actor=people["so"], document=document, version=2)
    services.moss_document_approve(actor=people["dro"], document=document, version=2)
    with pytest.raises(TransitionRefused):
        services.moss_item_save(actor=people["so"], document=document, version=3,
                                data={"category": "medical", "standard": "x"})


def test_bad_item_is_refused_by_field(cast, people, sra):
    document = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                             title="MOSS", sra=sra)
    with pytest.raises(ValidationFailed) as failure:
        services.moss_item_save(actor=people["so"], document=document, version=1,
                                data={"category": "magic", "standard": ""})
    assert {e.field for e in failure.value.errors} == {"category", "standard"}


def _rate(assessment, states, final=False, actor=None, **extra):
    results = {r.item_id: {"state": s, "evidence": "Seen.", **extra}
               for r, s in zip(assessment.results.order_by("pk"), states, strict=False)}
    return services.compliance_assessment_record(actor=actor, assessment=assessment,
                                                 results=results, version=assessment.version,
                                                 final=final)


def test_assessment_of_a_duty_station_computes_compliance(cast, people, moss):
    assessment = services.compliance_assessment_start(actor=people["so"], document=moss,
                                                      duty_station=cast.nairobi)
    count = assessment.results.count()
    assert count == moss.items.exclude(applies_to__in=["premises", "residence"]).count()
    states = ["compliant"] * (count - 3) + ["not_applicable", "partly_compliant",
                                            "non_compliant"]
    done = _rate(assessment, states, final=True, actor=people["so"],
                 corrective_action="Buy radios.", action_owner="Field office",
                 action_due=TODAY + dt.timedelta(days=30))
    applicable = count - 1
    assert done.compliance == pytest.approx(100 * (applicable - 2) / applicable)
    assert done.status == "final"
    with pytest.raises(TransitionRefused):
        _rate(done, ["compliant"], actor=people["so"])


def test_non_compliance_needs_an_action_owner_and_date(cast, people, moss):
    assessment = services.compliance_assessment_start(actor=people["so"], document=moss,
                                                      duty_station=cast.nairobi)
    with pytest.raises(ValidationFailed) as failure:
        _rate(assessment, ["non_compliant"], actor=people["so"])
    item = assessment.results.order_by("pk").first().item_id
    assert {e.field for e in failure.value.errors} == {
        f"item-{item}-corrective_action", f"item-{item}-action_owner",
        f"item-{item}-action_due"}


def test_final_needs_every_item_rated(cast, people, moss):
    assessment = services.compliance_assessment_start(actor=people["so"], document=moss,
                                                      duty_station=cast.nairobi)
    with pytest.raises(ValidationFailed) as failure:
        _rate(assessment, ["compliant"], final=True, actor=people["so"])
    assert all(e.field.endswith("-state") for e in failure.value.errors)
    saved = _rate(assessment, ["compliant"], actor=people["so"])  # a draft may be partial
    assert saved.compliance == 100.0


def test_no_applicable_item_gives_no_percentage(cast, people, moss):
    assessment = services.compliance_assessment_start(actor=people["so"], document=moss,
                                                      duty_station=cast.nairobi)
    done = _rate(assessment, ["not_applicable"] * assessment.results.count(), final=True,
                 actor=people["so"])
    assert done.compliance is None


def test_premises_and_residence_get_their_own_items(cast, people, moss):
    on_premises = services.compliance_assessment_start(actor=people["hq"], document=moss,
                                                       duty_station=None, premises=cast.gigiri)
    kinds = set(on_premises.results.values_list("item__applies_to", flat=True))
    assert kinds == {"all", "premises"}
    residence = services.compliance_assessment_start(actor=people["so"], document=moss,
                                                     duty_station=None,
                                                     residence_of=cast.amina)
    assert set(residence.results.values_list("item__applies_to", flat=True)) == {
        "all", "residence"}
    assert residence.duty_station == cast.nairobi


def test_assessments_outside_the_scope_or_country_are_refused(cast, people, moss):
    with pytest.raises(Forbidden):
        services.compliance_assessment_start(actor=people["hq"], document=moss,
                                             duty_station=None,
                                             premises=cast.mombasa_office)
    with pytest.raises(ValidationFailed) as failure:  # Kenya's MOSS, a Somali place
        services.compliance_assessment_start(actor=people["so_somalia"], document=moss,
                                             duty_station=cast.mogadishu)
    assert failure.value.errors[0].field == "duty_station"


def test_unapproved_document_cannot_be_assessed(cast, people, sra):
    draft = services.moss_document_create(actor=people["so"], country=cast.kenya,
                                          title="MOSS", sra=sra)
    with pytest.raises(ValidationFailed) as failure:
        services.compliance_assessment_start(actor=people["so"], document=draft,
                                             duty_station=cast.nairobi)
    assert failure.value.errors[0].field == "document"


def test_pages_from_sra_to_compliance_and_trend(cast, people, sra, moss, client):
    client.force_login(people["so"])
    sra_page = client.get(f"/risk/sras/{sra.pk}/").content.decode()
    assert f"/risk/moss/{moss.pk}/" in sra_page
    for day, state in ((TODAY - dt.timedelta(days=90), "non_compliant"), (TODAY, "compliant")):
        response = client.post(f"/risk/moss/{moss.pk}/assess/", {
            "duty_station": cast.nairobi.pk, "assessed_on": day.isoformat()})
        assessment = ComplianceAssessment.objects.latest("pk")
        assert response["Location"] == f"/risk/moss/assessments/{assessment.pk}/"
        data = {"version": assessment.version, "final": "1"}
        for r in assessment.results.all():
            data.update({f"item-{r.item_id}-state": state,
                         f"item-{r.item_id}-corrective_action": "Fix.",
                         f"item-{r.item_id}-action_owner": "Ops",
                         f"item-{r.item_id}-action_due": "2027-01-31"})
        assert client.post(f"/risk/moss/assessments/{assessment.pk}/", data).status_code == 302
    page = client.get(f"/risk/moss/assessments/{assessment.pk}/").content.decode()
    assert "<svg" in page
    assert "100 %" in page
    assert "0 %" in page


def test_assessment_page_names_the_faulty_item(cast, people, moss, client):
    client.force_login(people["so"])
    assessment = services.compliance_assessment_start(actor=people["so"], document=moss,
                                                      duty_station=cast.nairobi)
    item = assessment.results.order_by("pk").first().item_id
    response = client.post(f"/risk/moss/assessments/{assessment.pk}/", {
        "version": 1, f"item-{item}-state": "non_compliant"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Name who will do it." in page
    assert "shown beside" in page


def test_residence_needs_personal_data_rights_and_country_moss_names_no_station(
        cast, people, moss, sra):
    with pytest.raises(Forbidden):
        services.compliance_assessment_start(actor=people["hq"], document=moss,
                                             duty_station=None, residence_of=cast.amina)
    with pytest.raises(ValidationFailed) as failure:
        services.moss_document_create(actor=people["so"], country=cast.kenya, title="M",
                                      sra=sra, duty_station=cast.nairobi)
    assert failure.value.errors[0].field == "duty_station"
