"""Who may do what, as declarations: the roles, the kinds of scope, the permissions and the
one table that gives each role its permissions and how far each reaches. Plain data with no
database, so that models and everything else may read it; core.authz applies it to users."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    TRAVELLER = "traveller"
    SECURITY_OFFICER = "security_officer"
    DESIGNATED_OFFICIAL = "designated_official"
    DRO_DESK_OFFICER = "dro_desk_officer"
    HQ_SECURITY_OFFICER = "hq_security_officer"
    PROTECTION_COORDINATOR = "protection_coordinator"
    COUNSELLOR = "counsellor"
    TRAINING_OFFICER = "training_officer"
    AVIATION_OFFICER = "aviation_officer"
    BUDGET_OFFICER = "budget_officer"
    PROGRAMME_MANAGER = "programme_manager"
    WARDEN = "warden"
    SMT_MEMBER = "smt_member"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.TRAVELLER: _("Traveller"),
    Role.SECURITY_OFFICER: _("Security officer"),
    Role.DESIGNATED_OFFICIAL: _("Designated official"),
    Role.DRO_DESK_OFFICER: _("DRO desk officer"),
    Role.HQ_SECURITY_OFFICER: _("HQ security officer"),
    Role.PROTECTION_COORDINATOR: _("Protection coordinator"),
    Role.COUNSELLOR: _("Counsellor"),
    Role.TRAINING_OFFICER: _("Training officer"),
    Role.AVIATION_OFFICER: _("Aviation risk officer"),
    Role.BUDGET_OFFICER: _("Budget officer"),
    Role.PROGRAMME_MANAGER: _("Programme manager"),
    Role.WARDEN: _("Warden"),
    Role.SMT_MEMBER: _("SMT member"),
    Role.ADMINISTRATOR: _("Administrator"),
}


class ScopeKind(StrEnum):
    GLOBAL = "global"
    ORGANIZATION = "organization"
    COUNTRY = "country"
    SECURITY_AREA = "security_area"
    DUTY_STATION = "duty_station"
    PREMISES = "premises"

    @property
    def label(self) -> str:
        return str(SCOPE_LABELS[self])


SCOPE_LABELS = {
    ScopeKind.GLOBAL: _("Global"),
    ScopeKind.ORGANIZATION: _("Organization"),
    ScopeKind.COUNTRY: _("Country"),
    ScopeKind.SECURITY_AREA: _("Security area"),
    ScopeKind.DUTY_STATION: _("Duty station"),
    ScopeKind.PREMISES: _("Premises"),
}

# The model that a scope id points at, by label, so that core depends on no other app.
SCOPE_MODELS = {
    ScopeKind.ORGANIZATION: "people.Organization",
    ScopeKind.COUNTRY: "places.Country",
    ScopeKind.SECURITY_AREA: "places.SecurityArea",
    ScopeKind.DUTY_STATION: "places.DutyStation",
    ScopeKind.PREMISES: "places.Premises",
}

# How an operator names a scope's object on the command line (`vigil grant … --scope`).
SCOPE_LOOKUP = {
    ScopeKind.ORGANIZATION: "code",
    ScopeKind.COUNTRY: "iso2",
    ScopeKind.SECURITY_AREA: "pk",
    ScopeKind.DUTY_STATION: "code",
    ScopeKind.PREMISES: "pk",
}


class Perm(StrEnum):
    # Reference data: countries, security areas, duty stations, organizations.
    VIEW_REFERENCE = "places.view_reference"
    CHANGE_DUTY_STATION = "places.change_duty_station"
    IMPORT_DUTY_STATIONS = "places.import_duty_stations"
    VIEW_PREMISES = "places.view_premises"
    CHANGE_PREMISES = "places.change_premises"
    CHANGE_ORGANIZATION = "people.change_organization"
    # Personnel. VIEW_PERSON shows name, organization, category and duty station; contact
    # data, residence and emergency contacts need VIEW_PERSONAL_DATA, and each read is audited.
    VIEW_PERSON = "people.view_person"
    VIEW_PERSONAL_DATA = "people.view_personal_data"
    CHANGE_PERSON = "people.change_person"
    CHANGE_CONTACT_DATA = "people.change_contact_data"
    IMPORT_PERSONNEL = "people.import_personnel"
    EXPORT_PERSONAL_DATA = "people.export_personal_data"
    VIEW_DEPENDANT = "people.view_dependant"
    CHANGE_DEPENDANT = "people.change_dependant"
    # Security risk management.
    VIEW_RISK = "risk.view"
    PROPOSE_SECURITY_LEVEL = "risk.propose_security_level"
    REVIEW_SECURITY_LEVEL = "risk.review_security_level"
    CONFIGURE_RISK = "risk.configure"
    EDIT_SRA = "risk.edit_sra"
    APPROVE_SRA = "risk.approve_sra"
    ENDORSE_SRA = "risk.endorse_sra"
    EDIT_MOSS = "risk.edit_moss"
    APPROVE_MOSS = "risk.approve_moss"
    ASSESS_MOSS = "risk.assess_moss"
    EDIT_PLAN = "risk.edit_plan"
    APPROVE_PLAN = "risk.approve_plan"
    ENDORSE_PLAN = "risk.endorse_plan"
    MANAGE_MISSIONS = "risk.manage_missions"
    SURVEY_PREMISES = "risk.survey_premises"
    FOLLOW_UP_MISSIONS = "risk.follow_up_missions"
    # Travel (TRIP). Whereabouts are personal data: each read is audited.
    VIEW_TRAVEL = "travel.view"
    REQUEST_TRAVEL = "travel.request"
    APPROVE_TRAVEL = "travel.approve"
    SET_AREA_CONTROLS = "travel.set_area_controls"
    EDIT_ADVISORY = "travel.edit_advisory"
    EDIT_DIRECTORY = "travel.edit_directory"
    ASSESS_AIR_OPERATOR = "travel.assess_air_operator"
    VIEW_WHEREABOUTS = "travel.view_whereabouts"
    VIEW_COVERAGE = "travel.view_coverage"
    CONFIGURE_TRAVEL = "travel.configure"
    # Incidents (the security return).
    VIEW_INCIDENT = "incidents.view"
    RECORD_INCIDENT = "incidents.record"
    IMPORT_INCIDENTS = "incidents.import"
    # Crisis management. The headcount names people: only the crisis's own scope sees it.
    VIEW_CRISIS = "crisis.view"
    DECLARE_CRISIS = "crisis.declare"
    MANAGE_CRISIS = "crisis.manage"
    ACCOUNT_FOR = "crisis.account"
    CHECK_IN = "crisis.check_in"
    IMPORT_CAP = "crisis.import_cap"
    CONFIGURE_CRISIS = "crisis.configure"
    # Headquarters security (subprogramme 1). Passes, visitors, meetings and entry events are
    # scoped by the headquarters duty station or premises. A host registers their own visitors.
    VIEW_ACCESS = "hq.view_access"
    MANAGE_PASSES = "hq.manage_passes"
    HOST_VISITOR = "hq.host_visitor"
    MANAGE_VISITORS = "hq.manage_visitors"
    MANAGE_MEETINGS = "hq.manage_meetings"
    RECORD_ENTRY = "hq.record_entry"
    IMPORT_ENTRIES = "hq.import_entries"
    CONFIGURE_ACCESS = "hq.configure_access"
    # Protective services for senior officials: need-to-know. Only protection coordinators hold
    # these; the principal's designated office reads its own principal's cases (hq selectors).
    VIEW_PROTECTION = "hq.view_protection"
    MANAGE_PROTECTION = "hq.manage_protection"
    DECIDE_PROTECTION = "hq.decide_protection"
    # Safety claims, and the emergency plans and drills of headquarters duty stations.
    VIEW_CLAIMS = "hq.view_claims"
    MANAGE_CLAIMS = "hq.manage_claims"
    FILE_CLAIM = "hq.file_claim"
    VIEW_EMERGENCY_PLANS = "hq.view_emergency_plans"
    MANAGE_EMERGENCY_PLANS = "hq.manage_emergency_plans"
    APPROVE_EMERGENCY_PLAN = "hq.approve_emergency_plan"
    # Training: courses, sessions, enrolment, attendance, completions and certificates.
    VIEW_TRAINING = "training.view"
    MANAGE_TRAINING = "training.manage"
    IMPORT_COMPLETIONS = "training.import_completions"
    ENROL = "training.enrol"
    # Critical-incident stress: confidential. Case content is seen only by the assigned
    # counsellor and the person concerned (wellbeing selectors); everyone else sees counts.
    COUNSEL = "wellbeing.counsel"
    MANAGE_COUNSELLING = "wellbeing.manage"
    VIEW_WELLBEING_COUNTS = "wellbeing.view_counts"
    REQUEST_SUPPORT = "wellbeing.request_support"
    # Aviation risk advice. Assessing an operator is travel.assess_air_operator.
    REQUEST_AVIATION_ADVICE = "aviation.request_advice"
    ANSWER_AVIATION_ADVICE = "aviation.answer_advice"
    CONFIGURE_AVIATION = "aviation.configure"
    # Cost-sharing of jointly financed field security costs.
    VIEW_COSTSHARE = "costshare.view"
    MANAGE_COSTSHARE = "costshare.manage"
    # Security management coordination: security management teams (SMTs), the accountability
    # framework (who holds each security function in each place), host-country cooperation and
    # the security requirements of new missions. Appointing is limited further by function
    # (coordination.accountability_rules.MAY_APPOINT): a chief security adviser appoints
    # wardens, not designated officials.
    VIEW_COORDINATION = "coordination.view"
    MANAGE_SMT = "coordination.manage_smt"
    MANAGE_APPOINTMENTS = "coordination.manage_appointments"
    MANAGE_HOST_COUNTRY = "coordination.manage_host_country"
    MANAGE_READINESS = "coordination.manage_readiness"
    CONFIGURE_COORDINATION = "coordination.configure"
    # Programme performance: the seed's indicators computed from the records, their targets,
    # the dashboard and the biennium report. Figures only; the records behind a figure open
    # under each record's own permission.
    VIEW_PERFORMANCE = "performance.view"
    SET_TARGETS = "performance.set_targets"
    # Administration.
    MANAGE_GRANTS = "core.manage_grants"
    VIEW_AUDIT = "core.view_audit"


class Reach(StrEnum):
    ALL = "all"  # every row, whatever the grant's scope
    SCOPE = "scope"  # rows inside the grant's scope
    OWN = "own"  # rows the user owns (own profile, own dependants), whatever the scope


_REFERENCE = {Perm.VIEW_REFERENCE: Reach.ALL}

ROLE_PERMISSIONS: dict[Role, dict[Perm, Reach]] = {
    Role.TRAVELLER: {
        **_REFERENCE,
        Perm.VIEW_PERSON: Reach.OWN,
        Perm.VIEW_PERSONAL_DATA: Reach.OWN,
        Perm.CHANGE_CONTACT_DATA: Reach.OWN,
        Perm.VIEW_DEPENDANT: Reach.OWN,
        Perm.CHANGE_DEPENDANT: Reach.OWN,
        Perm.VIEW_TRAVEL: Reach.OWN,
        Perm.REQUEST_TRAVEL: Reach.OWN,
        Perm.CHECK_IN: Reach.OWN,
        Perm.HOST_VISITOR: Reach.OWN,
        Perm.FILE_CLAIM: Reach.OWN,
        Perm.VIEW_TRAINING: Reach.OWN,
        Perm.ENROL: Reach.OWN,
        Perm.REQUEST_SUPPORT: Reach.OWN,
    },
    Role.SECURITY_OFFICER: {
        **_REFERENCE,
        Perm.VIEW_RISK: Reach.SCOPE,
        Perm.PROPOSE_SECURITY_LEVEL: Reach.SCOPE,
        Perm.EDIT_SRA: Reach.SCOPE,
        Perm.EDIT_MOSS: Reach.SCOPE,
        Perm.ASSESS_MOSS: Reach.SCOPE,
        Perm.EDIT_PLAN: Reach.SCOPE,
        Perm.FOLLOW_UP_MISSIONS: Reach.SCOPE,
        Perm.SURVEY_PREMISES: Reach.SCOPE,
        Perm.CHANGE_DUTY_STATION: Reach.SCOPE,
        Perm.VIEW_PREMISES: Reach.SCOPE,
        Perm.CHANGE_PREMISES: Reach.SCOPE,
        Perm.VIEW_PERSON: Reach.SCOPE,
        Perm.VIEW_PERSONAL_DATA: Reach.SCOPE,
        Perm.VIEW_DEPENDANT: Reach.SCOPE,
        Perm.VIEW_TRAVEL: Reach.SCOPE,
        Perm.APPROVE_TRAVEL: Reach.SCOPE,
        Perm.EDIT_ADVISORY: Reach.SCOPE,
        Perm.EDIT_DIRECTORY: Reach.SCOPE,
        Perm.VIEW_WHEREABOUTS: Reach.SCOPE,
        Perm.VIEW_COVERAGE: Reach.SCOPE,
        Perm.VIEW_INCIDENT: Reach.SCOPE,
        Perm.RECORD_INCIDENT: Reach.SCOPE,
        Perm.VIEW_CRISIS: Reach.SCOPE,
        Perm.DECLARE_CRISIS: Reach.SCOPE,
        Perm.MANAGE_CRISIS: Reach.SCOPE,
        Perm.ACCOUNT_FOR: Reach.SCOPE,
        Perm.IMPORT_CAP: Reach.SCOPE,
        Perm.CHECK_IN: Reach.SCOPE,
        Perm.VIEW_TRAINING: Reach.SCOPE,
        Perm.REQUEST_AVIATION_ADVICE: Reach.SCOPE,
        Perm.VIEW_COORDINATION: Reach.SCOPE,
        Perm.MANAGE_SMT: Reach.SCOPE,
        Perm.MANAGE_APPOINTMENTS: Reach.SCOPE,
        Perm.MANAGE_HOST_COUNTRY: Reach.SCOPE,
        Perm.MANAGE_READINESS: Reach.SCOPE,
    },
    Role.DESIGNATED_OFFICIAL: {
        **_REFERENCE,
        Perm.VIEW_RISK: Reach.SCOPE,
        Perm.VIEW_TRAVEL: Reach.SCOPE,
        Perm.SET_AREA_CONTROLS: Reach.SCOPE,
        Perm.VIEW_WHEREABOUTS: Reach.SCOPE,
        Perm.VIEW_COVERAGE: Reach.SCOPE,
        Perm.APPROVE_SRA: Reach.SCOPE,
        Perm.APPROVE_PLAN: Reach.SCOPE,
        Perm.FOLLOW_UP_MISSIONS: Reach.SCOPE,
        Perm.VIEW_PREMISES: Reach.SCOPE,
        Perm.VIEW_PERSON: Reach.SCOPE,
        Perm.VIEW_INCIDENT: Reach.SCOPE,
        Perm.VIEW_EMERGENCY_PLANS: Reach.SCOPE,
        Perm.APPROVE_EMERGENCY_PLAN: Reach.SCOPE,
        Perm.VIEW_CRISIS: Reach.SCOPE,
        Perm.DECLARE_CRISIS: Reach.SCOPE,
        Perm.MANAGE_CRISIS: Reach.SCOPE,
        Perm.ACCOUNT_FOR: Reach.SCOPE,
        Perm.CHECK_IN: Reach.SCOPE,
        Perm.VIEW_COORDINATION: Reach.SCOPE,
        Perm.MANAGE_SMT: Reach.SCOPE,
        Perm.MANAGE_APPOINTMENTS: Reach.SCOPE,
        Perm.MANAGE_HOST_COUNTRY: Reach.SCOPE,
        Perm.VIEW_PERFORMANCE: Reach.SCOPE,
    },
    Role.DRO_DESK_OFFICER: {
        **_REFERENCE,
        Perm.VIEW_RISK: Reach.SCOPE,
        Perm.REVIEW_SECURITY_LEVEL: Reach.SCOPE,
        Perm.ENDORSE_SRA: Reach.SCOPE,
        Perm.APPROVE_MOSS: Reach.SCOPE,
        Perm.ENDORSE_PLAN: Reach.SCOPE,
        Perm.EDIT_ADVISORY: Reach.SCOPE,
        Perm.VIEW_COVERAGE: Reach.SCOPE,
        Perm.MANAGE_MISSIONS: Reach.SCOPE,
        Perm.FOLLOW_UP_MISSIONS: Reach.SCOPE,
        Perm.VIEW_PREMISES: Reach.SCOPE,
        Perm.VIEW_PERSON: Reach.SCOPE,
        Perm.VIEW_INCIDENT: Reach.SCOPE,
        Perm.VIEW_CRISIS: Reach.SCOPE,
        Perm.VIEW_COORDINATION: Reach.SCOPE,
        Perm.MANAGE_APPOINTMENTS: Reach.SCOPE,
        Perm.MANAGE_HOST_COUNTRY: Reach.SCOPE,
        Perm.MANAGE_READINESS: Reach.SCOPE,
        Perm.VIEW_PERFORMANCE: Reach.SCOPE,
    },
    Role.HQ_SECURITY_OFFICER: {
        **_REFERENCE,
        Perm.VIEW_RISK: Reach.SCOPE,
        Perm.ASSESS_MOSS: Reach.SCOPE,
        Perm.SURVEY_PREMISES: Reach.SCOPE,
        Perm.VIEW_PREMISES: Reach.SCOPE,
        Perm.CHANGE_PREMISES: Reach.SCOPE,
        Perm.VIEW_PERSON: Reach.SCOPE,
        Perm.VIEW_INCIDENT: Reach.SCOPE,
        Perm.RECORD_INCIDENT: Reach.SCOPE,
        Perm.VIEW_ACCESS: Reach.SCOPE,
        Perm.MANAGE_PASSES: Reach.SCOPE,
        Perm.HOST_VISITOR: Reach.SCOPE,
        Perm.MANAGE_VISITORS: Reach.SCOPE,
        Perm.MANAGE_MEETINGS: Reach.SCOPE,
        Perm.RECORD_ENTRY: Reach.SCOPE,
        Perm.IMPORT_ENTRIES: Reach.SCOPE,
        Perm.CONFIGURE_ACCESS: Reach.SCOPE,
        Perm.VIEW_CLAIMS: Reach.SCOPE,
        Perm.MANAGE_CLAIMS: Reach.SCOPE,
        Perm.VIEW_EMERGENCY_PLANS: Reach.SCOPE,
        Perm.MANAGE_EMERGENCY_PLANS: Reach.SCOPE,
    },
    Role.PROTECTION_COORDINATOR: {
        **_REFERENCE,
        Perm.VIEW_PERSON: Reach.SCOPE,
        Perm.VIEW_PROTECTION: Reach.SCOPE,
        Perm.MANAGE_PROTECTION: Reach.SCOPE,
        Perm.DECIDE_PROTECTION: Reach.SCOPE,
    },
    Role.COUNSELLOR: {**_REFERENCE, Perm.COUNSEL: Reach.SCOPE,
                      Perm.VIEW_WELLBEING_COUNTS: Reach.SCOPE, Perm.VIEW_TRAINING: Reach.OWN,
                      Perm.ENROL: Reach.OWN},
    Role.TRAINING_OFFICER: {**_REFERENCE, Perm.VIEW_PERSON: Reach.SCOPE,
                            Perm.VIEW_TRAINING: Reach.SCOPE, Perm.MANAGE_TRAINING: Reach.SCOPE,
                            Perm.IMPORT_COMPLETIONS: Reach.SCOPE, Perm.ENROL: Reach.SCOPE},
    Role.AVIATION_OFFICER: {**_REFERENCE, Perm.ASSESS_AIR_OPERATOR: Reach.SCOPE,
                            Perm.REQUEST_AVIATION_ADVICE: Reach.SCOPE,
                            Perm.ANSWER_AVIATION_ADVICE: Reach.SCOPE,
                            Perm.CONFIGURE_AVIATION: Reach.SCOPE},
    Role.BUDGET_OFFICER: {**_REFERENCE, Perm.VIEW_COSTSHARE: Reach.SCOPE,
                          Perm.MANAGE_COSTSHARE: Reach.SCOPE},
    Role.PROGRAMME_MANAGER: {**_REFERENCE, Perm.VIEW_RISK: Reach.SCOPE,
                             Perm.VIEW_COVERAGE: Reach.SCOPE, Perm.VIEW_INCIDENT: Reach.SCOPE,
                             Perm.VIEW_TRAINING: Reach.SCOPE,
                             Perm.VIEW_WELLBEING_COUNTS: Reach.SCOPE,
                             Perm.VIEW_COSTSHARE: Reach.SCOPE,
                             Perm.VIEW_COORDINATION: Reach.SCOPE,
                             Perm.VIEW_PERFORMANCE: Reach.SCOPE, Perm.SET_TARGETS: Reach.SCOPE},
    # A warden keeps the headcount of a duty station, an area or an organization's staff.
    Role.WARDEN: {**_REFERENCE, Perm.VIEW_CRISIS: Reach.SCOPE, Perm.ACCOUNT_FOR: Reach.SCOPE,
                  Perm.VIEW_PERSON: Reach.SCOPE},
    # A member of a security management team: the head of an organization's office in the
    # country or area. Reads the team's records and the risk picture they decide on.
    Role.SMT_MEMBER: {**_REFERENCE, Perm.VIEW_COORDINATION: Reach.SCOPE,
                      Perm.VIEW_RISK: Reach.SCOPE, Perm.VIEW_INCIDENT: Reach.SCOPE,
                      Perm.VIEW_CRISIS: Reach.SCOPE, Perm.VIEW_COVERAGE: Reach.SCOPE},
    Role.ADMINISTRATOR: {
        **_REFERENCE,
        Perm.CHANGE_DUTY_STATION: Reach.SCOPE,
        Perm.IMPORT_DUTY_STATIONS: Reach.SCOPE,
        Perm.VIEW_PREMISES: Reach.SCOPE,
        Perm.CHANGE_PREMISES: Reach.SCOPE,
        Perm.CHANGE_ORGANIZATION: Reach.SCOPE,
        Perm.VIEW_PERSON: Reach.SCOPE,
        Perm.VIEW_PERSONAL_DATA: Reach.SCOPE,
        Perm.CHANGE_PERSON: Reach.SCOPE,
        Perm.CHANGE_CONTACT_DATA: Reach.SCOPE,
        Perm.IMPORT_PERSONNEL: Reach.SCOPE,
        Perm.EXPORT_PERSONAL_DATA: Reach.SCOPE,
        Perm.VIEW_DEPENDANT: Reach.SCOPE,
        Perm.CHANGE_DEPENDANT: Reach.SCOPE,
        Perm.VIEW_RISK: Reach.SCOPE,
        Perm.CONFIGURE_RISK: Reach.SCOPE,
        Perm.VIEW_TRAVEL: Reach.SCOPE,
        Perm.REQUEST_TRAVEL: Reach.SCOPE,
        Perm.EDIT_ADVISORY: Reach.SCOPE,
        Perm.EDIT_DIRECTORY: Reach.SCOPE,
        Perm.ASSESS_AIR_OPERATOR: Reach.SCOPE,
        Perm.VIEW_COVERAGE: Reach.SCOPE,
        Perm.CONFIGURE_TRAVEL: Reach.SCOPE,
        Perm.VIEW_INCIDENT: Reach.SCOPE,
        Perm.RECORD_INCIDENT: Reach.SCOPE,
        Perm.IMPORT_INCIDENTS: Reach.SCOPE,
        Perm.VIEW_CRISIS: Reach.SCOPE,
        Perm.IMPORT_CAP: Reach.SCOPE,
        Perm.CONFIGURE_CRISIS: Reach.SCOPE,
        Perm.MANAGE_COUNSELLING: Reach.SCOPE,
        Perm.VIEW_WELLBEING_COUNTS: Reach.SCOPE,
        Perm.MANAGE_GRANTS: Reach.SCOPE,
        Perm.VIEW_AUDIT: Reach.SCOPE,
        Perm.VIEW_COORDINATION: Reach.SCOPE,
        Perm.MANAGE_APPOINTMENTS: Reach.SCOPE,
        Perm.MANAGE_READINESS: Reach.SCOPE,
        Perm.CONFIGURE_COORDINATION: Reach.SCOPE,
        Perm.VIEW_PERFORMANCE: Reach.SCOPE,
    },
}

# Roles whose holders must be privileged staff in the admin site.
ADMIN_SITE_ROLES = {Role.ADMINISTRATOR}
