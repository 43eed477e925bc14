"""The rules that find unauthorized entries among the entry events of a premises: pure
functions over plain event data, driven by a station's thresholds (EntryRuleSettings).

1. Repeated denials: ``denied_attempts`` or more denied reads of one pass number at one
   premises, each group of ``denied_attempts`` within ``window_minutes``. One unauthorized
   entry covers the burst; later attempts within the window of the one before join it.
2. Tailgating reported by an officer: one each.
3. Forced entry reported by an officer: one each.
4. An expired or revoked pass used (hq.access_rules.INVALID_PASS_REFUSALS), whether the
   controller granted or denied it: one per burst of uses within the window.

An event belongs to at most one unauthorized entry. Events already linked are given with the
entry they belong to (and its rule), so that running the rules again joins new events to the
entry they continue and never raises the same entry twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as g
from django.utils.translation import gettext_lazy as _

from vigil.hq.access_rules import INVALID_PASS_REFUSALS


class Rule(StrEnum):
    DENIED = "denied_attempts"
    TAILGATING = "tailgating"
    FORCED = "forced_entry"
    INVALID_PASS = "invalid_pass"  # noqa: S105  # nosec B105 - a rule's name, not a password

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self])

    @property
    def explanation(self) -> str:
        return str(RULE_EXPLANATIONS[self])


RULE_LABELS = {
    Rule.DENIED: _("Repeated denied attempts"),
    Rule.TAILGATING: _("Tailgating"),
    Rule.FORCED: _("Forced entry"),
    Rule.INVALID_PASS: _("Expired or revoked pass used"),
}
RULE_EXPLANATIONS = {
    Rule.DENIED: _("%(threshold)d or more denied attempts with the same pass number within "
                   "%(minutes)d minutes."),
    Rule.TAILGATING: _("An officer reported someone following a pass holder through a gate."),
    Rule.FORCED: _("An officer reported a gate or door forced open."),
    Rule.INVALID_PASS: _("A pass that had expired or been revoked was presented at a gate, "
                         "whether the controller let it through or not."),
}
# The event kinds an officer reports, and the rule each raises.
REPORTED = {"tailgating": Rule.TAILGATING, "forced_entry": Rule.FORCED}
PASS_READ = "pass_read"  # noqa: S105  # nosec B105 - an event kind
DENIED = "denied"
INVALID_REASONS = frozenset(r.value for r in INVALID_PASS_REFUSALS)


@dataclass(frozen=True)
class Thresholds:
    denied_attempts: int = 3
    window_minutes: int = 10
    enabled: frozenset[Rule] = field(default_factory=lambda: frozenset(Rule))

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.window_minutes)


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Fact:
    """One entry event, as the rules read it."""

    id: int
    premises_id: int
    at: dt.datetime
    kind: str = PASS_READ
    result: str = DENIED
    pass_number: str = ""
    reason: str = ""  # what the gate said
    pass_refusal: str = ""  # what Vigil's check of the pass said
    entry_id: int | None = None  # the unauthorized entry it belongs to already
    entry_rule: str = ""  # and that entry's rule


@dataclass(frozen=True)
class Finding:
    """An unauthorized entry found: its rule and events, oldest first; ``entry_id`` when it
    continues one already recorded (its new events join it), else None (a new one)."""

    rule: Rule
    facts: tuple[Fact, ...]
    entry_id: int | None = None

    @property
    def new_facts(self) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.entry_id is None)

    @property
    def first(self) -> Fact:
        return self.facts[0]

    @property
    def last(self) -> Fact:
        return self.facts[-1]


def invalid_pass_used(fact: Fact) -> bool:
    """A pass read whose pass had expired or been revoked, by the gate's word or Vigil's."""
    return fact.kind == PASS_READ and (fact.reason in INVALID_REASONS
                                       or fact.pass_refusal in INVALID_REASONS)


def _free_for(fact: Fact, rule: Rule) -> bool:
    """Not yet in an unauthorized entry, or in one of this rule (which it may continue)."""
    return fact.entry_id is None or fact.entry_rule == rule.value


def bursts(facts: Sequence[Fact], *, threshold: int, window: dt.timedelta,
           rule: Rule | None = None) -> list[tuple[Fact, ...]]:
    """The bursts among one pass number's events, oldest first: ``threshold`` events within
    ``window`` (from the first to the last, both counted) start one; each later event within
    ``window`` of the one before joins it. An event already in an unauthorized entry of
    ``rule`` has started its burst already: the events that follow it within the window join
    it, however few they are."""
    ordered = sorted(facts, key=lambda f: (f.at, f.id))
    found: list[tuple[Fact, ...]] = []
    start = 0
    need = max(threshold, 1)
    while start < len(ordered):
        first = ordered[start]
        started = rule is not None and first.entry_id is not None \
            and first.entry_rule == rule.value
        if not started and (start + need > len(ordered)
                            or ordered[start + need - 1].at - first.at > window):
            start += 1
            continue
        end = start + 1
        while end < len(ordered) and ((end < start + need and not started)
                                      or ordered[end].at - ordered[end - 1].at <= window):
            end += 1
        found.append(tuple(ordered[start:end]))
        start = end
    return found


def _finding(rule: Rule, facts: tuple[Fact, ...]) -> Finding | None:
    """The burst as a finding, unless every event of it is recorded already."""
    existing = next((f.entry_id for f in facts if f.entry_id is not None), None)
    finding = Finding(rule=rule, facts=facts, entry_id=existing)
    return finding if finding.new_facts else None


def _by_pass(facts: Iterable[Fact]) -> dict[tuple[int, str], list[Fact]]:
    grouped: dict[tuple[int, str], list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.pass_number:
            grouped[(fact.premises_id, fact.pass_number)].append(fact)
    return grouped


def findings(facts: Iterable[Fact], thresholds: Thresholds = DEFAULT_THRESHOLDS
             ) -> list[Finding]:
    """Every unauthorized entry to record or extend among ``facts`` (the events of a time
    span, those already linked included), oldest first."""
    facts = list(facts)
    found: list[Finding] = []
    for fact in facts:
        rule = REPORTED.get(fact.kind)
        if rule is not None and rule in thresholds.enabled and fact.entry_id is None:
            found.append(Finding(rule=rule, facts=(fact,)))
    claimed: set[int] = set()
    if Rule.INVALID_PASS in thresholds.enabled:
        invalid = [f for f in facts if invalid_pass_used(f) and _free_for(f, Rule.INVALID_PASS)]
        for group in _by_pass(invalid).values():
            for burst in bursts(group, threshold=1, window=thresholds.window,
                                rule=Rule.INVALID_PASS):
                claimed.update(f.id for f in burst)
                finding = _finding(Rule.INVALID_PASS, burst)
                if finding is not None:
                    found.append(finding)
    if Rule.DENIED in thresholds.enabled:
        denied = [f for f in facts if f.kind == PASS_READ and f.result == DENIED
                  and f.id not in claimed and _free_for(f, Rule.DENIED)]
        for group in _by_pass(denied).values():
            for burst in bursts(group, threshold=thresholds.denied_attempts,
                                window=thresholds.window, rule=Rule.DENIED):
                finding = _finding(Rule.DENIED, burst)
                if finding is not None:
                    found.append(finding)
    return sorted(found, key=lambda f: (f.first.at, f.first.id))


def narrative(rule: Rule, *, count: int, gate: str, premises: str, pass_number: str,
              thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[str, str]:
    """The title and description of the incident an unauthorized entry is recorded as."""
    place = g("%(gate)s, %(premises)s") % {"gate": gate, "premises": premises} if gate \
        else premises
    title = g("Unauthorized entry: %(rule)s at %(place)s") % {"rule": rule.label,
                                                               "place": place}
    why = rule.explanation % {"threshold": thresholds.denied_attempts,
                              "minutes": thresholds.window_minutes} \
        if rule is Rule.DENIED else rule.explanation
    lines = [g("Raised by Vigil's rule “%(rule)s”: %(why)s") % {"rule": rule.label, "why": why},
             g("Events: %(count)d.") % {"count": count}]
    if pass_number:
        lines.append(g("Pass number read: %(number)s.") % {"number": pass_number})
    return title[:200], "\n".join(lines)


# --- Review of an unauthorized entry ---------------------------------------------------------

class ReviewMove(StrEnum):
    CLOSE = "close"
    REOPEN = "reopen"


# move -> (statuses it may start from, status it leaves)
REVIEW_TRANSITIONS: dict[ReviewMove, tuple[frozenset[str], str]] = {
    ReviewMove.CLOSE: (frozenset({"open"}), "closed"),
    ReviewMove.REOPEN: (frozenset({"closed"}), "open"),
}


def review_target(status: str, move: ReviewMove) -> str | None:
    """The status an unauthorized entry in ``status`` takes after ``move``; None: refused."""
    sources, target = REVIEW_TRANSITIONS[move]
    return target if status in sources else None
