"""Every write of security risk management: atomic, permission-checked, audited, and moved
through the transition tables of rules.py. One module per domain; SRAs and security plans
share one review (review.py). Here, the use cases that callers outside the package name."""

from vigil.risk.services.assessments import (
    SRA_REVIEW,
    activity_remove,
    activity_save,
    risk_entry_remove,
    risk_entry_save,
    sra_create,
    sra_snapshot,
    sra_transition,
    sra_update,
)
from vigil.risk.services.levels import (
    security_level_approve,
    security_level_propose,
    security_level_resubmit,
    security_level_return,
    security_level_start_review,
    security_level_withdraw,
)
from vigil.risk.services.missions import (
    mission_close,
    mission_create,
    mission_update,
    recommendation_close,
    recommendation_save,
)
from vigil.risk.services.moss import (
    compliance_assessment_record,
    compliance_assessment_start,
    moss_document_approve,
    moss_document_create,
    moss_item_remove,
    moss_item_save,
    standard_moss_items,
)
from vigil.risk.services.plans import (
    PLAN_PARTS,
    PLAN_REVIEW,
    plan_create,
    plan_part_remove,
    plan_part_save,
    plan_transition,
    plan_update,
)
from vigil.risk.services.reminders import review_reminders_send
from vigil.risk.services.review import ACTION_LABELS as REVIEW_ACTION_LABELS
from vigil.risk.services.review import may as review_may
from vigil.risk.services.settings import config_saved, risk_settings_update
from vigil.risk.services.surveys import (
    premises_survey_record,
    questionnaire_copy,
    questionnaire_specs,
)

__all__ = [
    "PLAN_PARTS", "PLAN_REVIEW", "REVIEW_ACTION_LABELS", "SRA_REVIEW", "activity_remove",
    "activity_save", "compliance_assessment_record", "compliance_assessment_start",
    "config_saved", "mission_close", "mission_create", "mission_update",
    "moss_document_approve", "moss_document_create", "moss_item_remove", "moss_item_save",
    "plan_create", "plan_part_remove", "plan_part_save", "plan_transition", "plan_update",
    "premises_survey_record", "questionnaire_copy", "questionnaire_specs",
    "recommendation_close", "recommendation_save", "review_may", "review_reminders_send",
    "risk_entry_remove", "risk_entry_save", "risk_settings_update", "security_level_approve",
    "security_level_propose", "security_level_resubmit", "security_level_return",
    "security_level_start_review", "security_level_withdraw", "sra_create", "sra_snapshot",
    "sra_transition", "sra_update", "standard_moss_items",
]
