"""Pure rules of security risk management. No ORM, no request: plain data in, plain data out.

Sources (DOMAIN.md §2): UN Security Policy Manual ch. IV (Security Risk Management, Security
Level System); CEB/HLCM records on programme criticality. The tables here are defaults: the
risk matrix and the level thresholds are configuration an administrator may change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Marks messages for translation without translating here; services translate them.
from django.utils.translation import gettext_noop as N_

LIKELIHOODS = ("very_unlikely", "unlikely", "moderately_likely", "likely", "very_likely")
IMPACTS = ("negligible", "minor", "moderate", "severe", "critical")
RISK_LEVELS = ("low", "medium", "high", "very_high", "unacceptable")
THREAT_CATEGORIES = ("armed_conflict", "terrorism", "crime", "civil_unrest", "hazards")
RESPONSES = ("accept", "control", "avoid", "transfer")
CRITICALITIES = ("pc1", "pc2", "pc3", "pc4")
SECURITY_LEVELS = (1, 2, 3, 4, 5, 6)  # Minimal, Low, Moderate, Substantial, High, Extreme

Matrix = Mapping[str, Mapping[str, str]]  # likelihood -> impact -> risk level

# The default matrix of DOMAIN.md §2, row by row (likelihood), column by column (impact).
DEFAULT_MATRIX: dict[str, dict[str, str]] = {
    "very_likely": dict(zip(IMPACTS, ("low", "medium", "high", "very_high", "unacceptable"),
                            strict=True)),
    "likely": dict(zip(IMPACTS, ("low", "medium", "high", "high", "very_high"), strict=True)),
    "moderately_likely": dict(zip(IMPACTS, ("low", "low", "medium", "high", "high"),
                                  strict=True)),
    "unlikely": dict(zip(IMPACTS, ("low", "low", "low", "medium", "medium"), strict=True)),
    "very_unlikely": dict(zip(IMPACTS, ("low", "low", "low", "low", "low"), strict=True)),
}


def risk_level(matrix: Matrix, likelihood: str, impact: str) -> str:
    """The risk level of one cell. Raises KeyError for a likelihood or impact not in the
    scales, so a typo never silently reads as some level."""
    if likelihood not in LIKELIHOODS:
        raise KeyError(f"unknown likelihood {likelihood!r}")
    if impact not in IMPACTS:
        raise KeyError(f"unknown impact {impact!r}")
    return matrix[likelihood][impact]


def rank(level: str) -> int:
    return RISK_LEVELS.index(level)


def matrix_problems(matrix: object) -> list[str]:
    """Why a matrix cannot be used, or []: every cell present with a known level, and risk
    never falls as likelihood or impact rises (a matrix that did would hide risk)."""
    if not isinstance(matrix, Mapping):
        return ["The matrix must map each likelihood to a row of impacts."]
    problems = []
    for likelihood in LIKELIHOODS:
        row = matrix.get(likelihood)
        if not isinstance(row, Mapping):
            problems.append(f"Row “{likelihood}” is missing.")
            continue
        for impact in IMPACTS:
            level = row.get(impact)
            if level not in RISK_LEVELS:
                problems.append(f"Cell {likelihood} x {impact} has no valid level "
                                f"(got {level!r}).")
    extra = set(matrix) - set(LIKELIHOODS)
    if extra:
        problems.append(f"Unknown likelihoods: {', '.join(sorted(map(str, extra)))}.")
    if problems:
        return problems
    for li, likelihood in enumerate(LIKELIHOODS):
        for ii, impact in enumerate(IMPACTS):
            here = rank(matrix[likelihood][impact])
            if ii and here < rank(matrix[likelihood][IMPACTS[ii - 1]]):
                problems.append(f"Risk falls from {IMPACTS[ii - 1]} to {impact} impact at "
                                f"{likelihood} likelihood.")
            if li and here < rank(matrix[LIKELIHOODS[li - 1]][impact]):
                problems.append(f"Risk falls from {LIKELIHOODS[li - 1]} to {likelihood} "
                                f"likelihood at {impact} impact.")
    return problems


# --- Programme criticality ------------------------------------------------------------------

# The highest residual risk each criticality accepts. Unacceptable is never acceptable.
ACCEPTABLE_UP_TO = {"pc1": "very_high", "pc2": "high", "pc3": "medium", "pc4": "low"}
PC_ASSESSMENT_REQUIRED_FROM = "high"


def risk_acceptable(criticality: str, residual: str) -> bool:
    if residual == "unacceptable":
        return False
    return rank(residual) <= rank(ACCEPTABLE_UP_TO[criticality])


def pc_assessment_required(residual: str) -> bool:
    """A programme-criticality assessment is mandatory where residual risk is High or more."""
    return rank(residual) >= rank(PC_ASSESSMENT_REQUIRED_FROM)


@dataclass(frozen=True)
class ActivityFlag:
    code: str  # "unacceptable" | "pc_missing"
    residual: str
    criticality: str | None


def activity_flag(criticality: str | None, residual: str) -> ActivityFlag | None:
    """What is wrong with running an activity at this residual risk, or None."""
    if criticality is None:
        if pc_assessment_required(residual):
            return ActivityFlag("pc_missing", residual, None)
        return None
    if not risk_acceptable(criticality, residual):
        return ActivityFlag("unacceptable", residual, criticality)
    return None


# --- Security Level System ------------------------------------------------------------------

# Each category's threat score is likelihood rank x impact rank (1..25); the area's level
# follows from the highest score through these thresholds: (lowest score, level).
DEFAULT_LEVEL_THRESHOLDS: tuple[tuple[int, int], ...] = (
    (1, 1), (3, 2), (6, 3), (10, 4), (15, 5), (20, 6))


def threat_score(likelihood: str, impact: str) -> int:
    return (LIKELIHOODS.index(likelihood) + 1) * (IMPACTS.index(impact) + 1)


def derive_security_level(ratings: Mapping[str, tuple[str, str]],
                          thresholds: Iterable[tuple[int, int]] = DEFAULT_LEVEL_THRESHOLDS
                          ) -> int:
    """The level (1 Minimal … 6 Extreme) proposed by a structured threat assessment: every
    one of the five categories rated (likelihood, impact); the worst category decides."""
    missing = [c for c in THREAT_CATEGORIES if c not in ratings]
    if missing:
        raise KeyError(f"categories not rated: {', '.join(missing)}")
    worst = max(threat_score(*ratings[c]) for c in THREAT_CATEGORIES)
    level = 1
    for lowest, candidate in sorted(thresholds):
        if worst >= lowest:
            level = candidate
    return level


# --- MOSS compliance ------------------------------------------------------------------------

COMPLIANCE_STATES = ("compliant", "partly_compliant", "non_compliant", "not_applicable")


def compliance_percent(states: Iterable[str]) -> float | None:
    """Compliant items over applicable items, in percent; None when nothing applies (a
    premises where no item applies is not 0 % compliant, it is not measured)."""
    counted = [s for s in states if s != "not_applicable"]
    if not counted:
        return None
    return 100.0 * sum(1 for s in counted if s == "compliant") / len(counted)


# --- Workflows: explicit transition tables ----------------------------------------------------

@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str


LEVEL_TRANSITIONS: dict[str, Transition] = {
    "start_review": Transition(frozenset({"proposed"}), "under_review"),
    "approve": Transition(frozenset({"proposed", "under_review"}), "approved"),
    "return": Transition(frozenset({"proposed", "under_review"}), "returned"),
    "resubmit": Transition(frozenset({"returned"}), "proposed"),
    "withdraw": Transition(frozenset({"proposed", "returned"}), "withdrawn"),
}
OPEN_LEVEL_STATES = frozenset({"proposed", "under_review", "returned"})


def next_state(table: Mapping[str, Transition], action: str, current: str) -> str | None:
    """The state an action leads to from ``current``, or None when the table forbids it."""
    transition = table.get(action)
    if transition is None or current not in transition.sources:
        return None
    return transition.target


def allowed_actions(table: Mapping[str, Transition], current: str) -> list[str]:
    return [action for action, t in table.items() if current in t.sources]


def threshold_problems(thresholds: object) -> list[str]:
    """Why a threshold table cannot be used: pairs (lowest score 1..25, level 1..6), one of
    them at score 1, levels rising with scores."""
    if not isinstance(thresholds, list | tuple) or not thresholds:
        return ["Give a list of (lowest score, level) pairs."]
    try:
        pairs = sorted((int(a), int(b)) for a, b in thresholds)
    except (TypeError, ValueError):
        return ["Each threshold is a pair of whole numbers: lowest score, level."]
    problems = []
    if pairs[0][0] != 1:
        problems.append("The lowest threshold must start at score 1.")
    for score, level in pairs:
        if not 1 <= score <= 25:
            problems.append(f"Score {score} is outside 1 to 25.")
        if level not in SECURITY_LEVELS:
            problems.append(f"Level {level} is outside 1 to 6.")
    levels = [level for _score, level in pairs]
    if levels != sorted(levels):
        problems.append("Levels must rise with scores.")
    if len({s for s, _l in pairs}) != len(pairs):
        problems.append("Each score may start only one level.")
    return problems


# --- Security risk assessments ----------------------------------------------------------------

AT_RISK = ("personnel", "premises", "assets", "programmes")
MOSS_CATEGORIES = ("telecommunications", "documentation", "coordination", "medical",
                   "equipment", "vehicles", "premises", "training", "residential")

# --- The review of SRAs and security plans -----------------------------------------------------

def review_transitions(*, submitted: bool) -> dict[str, Transition]:
    """The one review workflow of SRAs and security plans: a draft goes to the designated
    official, who approves it; DRO endorses it; whoever holds it may return it to a draft.
    With ``submitted`` the officer first submits the draft to the DO (SRAs); without, the DO
    approves the draft as it stands (plans)."""
    with_do = "submitted" if submitted else "draft"
    submit = {"submit": Transition(frozenset({"draft"}), "submitted")} if submitted else {}
    return {
        **submit,
        "approve": Transition(frozenset({with_do}), "approved"),
        "endorse": Transition(frozenset({"approved"}), "endorsed"),
        "return": Transition(frozenset({with_do, "approved"} - {"draft"}), "draft"),
    }


SRA_TRANSITIONS = review_transitions(submitted=True)
PLAN_TRANSITIONS = review_transitions(submitted=False)
# Endorsing a document supersedes the one in force for the same place before it. Not a move
# anyone asks for, so not in the tables.
SUPERSEDE = Transition(frozenset({"endorsed"}), "superseded")
# What the DO has approved, endorsed by DRO or not yet: a country's MOSS derives from such an
# SRA, and its review falls due.
APPROVED_STATES = frozenset({"approved", "endorsed"})


def review_step(action: str, current: str) -> str:
    """The step whose right an action needs: its own, except a return, which is the
    reviewer's who holds the document now (the DO's while submitted, else DRO's)."""
    if action != "return":
        return action
    return "approve" if current == "submitted" else "endorse"


def highest(levels: Iterable[str]) -> str | None:
    """The highest of some risk levels, or None when there are none."""
    ranked = [rank(level) for level in levels]
    return RISK_LEVELS[max(ranked)] if ranked else None


Snapshot = Mapping[str, Any]


def snapshot_diff(older: Snapshot, newer: Snapshot) -> dict[str, Any]:
    """What changed between two SRA snapshots: header fields, and register rows and
    activities added, removed or changed (matched by their id)."""
    def rows(snapshot: Snapshot, key: str) -> dict[Any, dict[str, Any]]:
        return {row["id"]: row for row in snapshot.get(key) or [] if isinstance(row, dict)}

    def fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b))
                if k != "id" and a.get(k) != b.get(k)]

    result: dict[str, Any] = {"header": fields(older.get("header") or {},
                                               newer.get("header") or {})}
    for key in ("entries", "activities"):
        a, b = rows(older, key), rows(newer, key)
        result[key] = {
            "added": [b[i] for i in b if i not in a],
            "removed": [a[i] for i in a if i not in b],
            "changed": [{"id": i, "before": a[i], "after": b[i], "fields": fields(a[i], b[i])}
                        for i in a if i in b and a[i] != b[i]],
        }
    return result


def applies(item_applies_to: str, target_kind: str) -> bool:
    """Does a MOSS item apply to a duty station, a premises or a residence?"""
    return item_applies_to in {"all", target_kind}


def result_problems(state: str, corrective_action: str, owner: str, due: object,
                    *, final: bool) -> list[tuple[str, str]]:
    """(field, message) faults of one compliance result. A final assessment rates every
    item; an item not fully compliant needs a corrective action with its owner and date."""
    problems = []
    if state and state not in COMPLIANCE_STATES:
        problems.append(("state", N_("Not a compliance state.")))
    if final and not state:
        problems.append(("state", N_("Rate this item before the assessment is final.")))
    if state in {"partly_compliant", "non_compliant"}:
        if not corrective_action.strip():
            problems.append(("corrective_action", N_("Say what will be done.")))
        if not owner.strip():
            problems.append(("action_owner", N_("Name who will do it.")))
        if due is None:
            problems.append(("action_due", N_("Give the date it is due.")))
    return problems


def coverage_percent(countries_with_presence: set[int], visited: set[int]
                     ) -> float | None:
    """SP2.1.c.ii: the share of countries with UN presence that received a security
    assistance or assessment visit in the period; None when there is no presence."""
    if not countries_with_presence:
        return None
    return 100.0 * len(countries_with_presence & visited) / len(countries_with_presence)


# --- Premises vulnerability questionnaire -----------------------------------------------------

VULNERABLE_BELOW = 50  # an answer scoring under this is a vulnerability


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    weight: int
    scores: tuple[int, ...]  # the score of each answer option, in order


def survey_result(questions: Iterable[QuestionSpec], answers: Mapping[int, int]
                  ) -> tuple[float, list[int]]:
    """(weighted score 0-100, ids of the questions answered with a vulnerability). Every
    question must have an answer that is one of its options."""
    total = weight = 0.0
    vulnerable = []
    for q in questions:
        option = answers[q.id]
        score = q.scores[option]
        total += score * q.weight
        weight += q.weight
        if score < VULNERABLE_BELOW:
            vulnerable.append(q.id)
    return (round(total / weight, 1) if weight else 0.0), vulnerable


# --- Programme performance: the measures of the seed's indicators kept here ---------------------

# SP2.1.c.i: a security level proposal is reviewed and approved in time when DRO decides it
# within this many days of its first proposal (the day itself included). A default: the
# indicator takes its own figure.
LEVEL_REVIEW_DAYS = 30
# SP2.1.a.ii: a field location implements its MOSS when this share of the applicable items
# of its latest assessments is compliant. A default: the indicator takes its own figure.
MOSS_IMPLEMENTED_FROM = 80


def within_days(delay_days: float, target_days: float) -> bool:
    """Whether a delay (in days, fractions included) meets a time target: on the target's
    last moment is still in time."""
    return delay_days <= target_days


def median(values: Iterable[float]) -> float | None:
    """The median of some delays, or None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def implements_moss(compliant: int, applicable: int, threshold: float) -> bool:
    """SP2.1.a.ii: a location implements its MOSS when the compliant items reach ``threshold``
    per cent of the applicable items of its latest assessments; a location with nothing
    assessed (no applicable item) does not."""
    if applicable <= 0:
        return False
    return 100 * compliant >= threshold * applicable


def up_to_date(review_due: Any, on: Any) -> bool:
    """SP2.1.a.i: an endorsed SRA is up to date on a day when its review is not yet past due
    (due that very day is still up to date)."""
    return bool(review_due >= on)
