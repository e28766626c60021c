# Layer: scoring. Imports simulator.models only.
"""Score a transcript against rubrics: per-criterion status, points and quoted evidence.

Rules are judged over the signals detected in each trainee turn (see `Rule` in models).
Criteria that cannot be seen in a chat (a follow-up call, a letter, self-analysis) are
'pending': they carry no automatic points and are left to a trainer or the reflection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simulator.models import (
    Criterion,
    CriterionResult,
    CriterionStatus,
    Evidence,
    Rubric,
    RubricScore,
    Rule,
    Scorecard,
    Turn,
)


def _evidence(turns: Sequence[Turn], signals: Sequence[str]) -> list[Evidence]:
    found: list[Evidence] = []
    for turn in turns:
        for signal_id in signals:
            verdict = turn.signals.get(signal_id)
            if verdict is not None and verdict.present:
                quote = "; ".join(verdict.evidence) or turn.trainee
                found.append(Evidence(turn=turn.index, signal=signal_id, quote=quote))
    return found


def _shown(turn: Turn, signals: Sequence[str]) -> bool:
    return any(turn.signals.get(s) is not None and turn.signals[s].present for s in signals)


@dataclass(frozen=True)
class RuleResult:
    """A rule's verdict before it is turned into points: share of credit and evidence."""

    share: float
    offences: int
    evidence: list[Evidence]


def judge_rule(rule: Rule, turns: Sequence[Turn], penalty_share: float = 1.0) -> RuleResult:
    """Judge one rule over the given turns (already limited to the rule's scope)."""
    if rule.within_first is not None:
        turns = [t for t in turns if t.index <= rule.within_first]
    if rule.any_of is not None:
        hits = [t for t in turns if _shown(t, rule.any_of)]
        share = min(1.0, len(hits) / rule.min_turns)
        return RuleResult(share, 0, _evidence(hits, rule.any_of))
    if rule.all_of is not None:
        got = [s for s in rule.all_of if sum(_shown(t, [s]) for t in turns) >= rule.min_turns]
        return RuleResult(len(got) / len(rule.all_of), 0, _evidence(turns, got))
    if rule.never is not None:
        offending = [t for t in turns if _shown(t, rule.never)]
        if not turns:
            return RuleResult(0.0, 0, [])
        share = max(0.0, 1.0 - penalty_share * len(offending))
        return RuleResult(share, len(offending), _evidence(offending, rule.never))
    assert rule.before is not None
    first = next((t.index for t in turns if _shown(t, [rule.before.first])), None)
    then = next((t.index for t in turns if _shown(t, [rule.before.then])), None)
    evidence = _evidence(turns, [rule.before.first, rule.before.then])
    if first is not None and then is not None and first <= then:
        return RuleResult(1.0, 0, evidence)
    if first is not None and then is None:
        return RuleResult(0.5, 0, evidence)
    return RuleResult(0.0, 0, evidence)


def _status(share: float) -> CriterionStatus:
    if share >= 0.999:
        return "met"
    return "partly" if share > 0 else "missed"


def evaluate(criterion: Criterion, turns: Sequence[Turn]) -> CriterionResult:
    """One criterion's result over a whole transcript."""
    result = CriterionResult(
        id=criterion.id,
        label=criterion.label,
        status="pending",
        points=0.0,
        max=criterion.weight,
        tip=criterion.tip,
        model_phrasing=criterion.model_phrasing,
        observable=criterion.observable,
    )
    if criterion.rule is None:
        return result
    penalty_share = (criterion.penalty or criterion.weight) / criterion.weight
    if criterion.scope == "turn" and turns:
        parts = [judge_rule(criterion.rule, [t], penalty_share) for t in turns]
        share = sum(p.share for p in parts) / len(parts)
        offences = sum(p.offences for p in parts)
        evidence = [e for p in parts for e in p.evidence]
    else:
        judged = judge_rule(criterion.rule, turns, penalty_share)
        share, offences, evidence = judged.share, judged.offences, judged.evidence
    return result.model_copy(update={
        "status": _status(share),
        "points": round(criterion.weight * share, 2),
        "evidence": evidence,
        "critical_violation": criterion.critical and offences > 0,
    })


def score_rubric(rubric: Rubric, turns: Sequence[Turn]) -> RubricScore:
    """One rubric's section of the scorecard."""
    results = [evaluate(c, turns) for c in rubric.criteria]
    automatic = [r for r in results if r.status != "pending"]
    points = round(sum(r.points for r in automatic), 2)
    maximum = round(sum(r.max for r in automatic), 2)
    percent = round(100.0 * points / maximum, 1) if maximum else 0.0
    critical = [r.id for r in results if r.critical_violation]
    return RubricScore(
        rubric=rubric.id,
        title=rubric.title,
        points=points,
        max=maximum,
        percent=percent,
        pass_mark=rubric.pass_mark,
        passed=percent >= rubric.pass_mark and not critical,
        criteria=results,
        critical_violations=critical,
    )


def score_transcript(turns: Sequence[Turn], rubrics: Sequence[Rubric]) -> Scorecard:
    """The scorecard for a whole session: every rubric, the total and pass/fail."""
    sections = [score_rubric(r, turns) for r in rubrics]
    points = sum(s.points for s in sections)
    maximum = sum(s.max for s in sections)
    critical = [f"{s.rubric}.{c}" for s in sections for c in s.critical_violations]
    return Scorecard(
        percent=round(100.0 * points / maximum, 1) if maximum else 0.0,
        passed=bool(sections) and all(s.passed for s in sections),
        rubrics=sections,
        critical_violations=critical,
    )


@dataclass(frozen=True)
class CriterionMove:
    """A criterion whose points changed because of the latest turn."""

    rubric: str
    criterion: str
    label: str
    change: float


@dataclass(frozen=True)
class TurnFeedback:
    """Live coaching after one turn: what fired, what moved, and one hint."""

    turn: int
    signals: list[str]
    moved: list[CriterionMove]
    hint: str


def turn_feedback(turns: Sequence[Turn], rubrics: Sequence[Rubric]) -> TurnFeedback:
    """Feedback on the last turn of `turns`, compared with the transcript before it."""
    if not turns:
        raise ValueError("no turn to give feedback on")
    before = score_transcript(turns[:-1], rubrics)
    after = score_transcript(turns, rubrics)
    moved: list[CriterionMove] = []
    lost: list[CriterionResult] = []
    for rubric, old, new in zip(rubrics, before.rubrics, after.rubrics, strict=True):
        for criterion, old_c, new_c in zip(rubric.criteria, old.criteria, new.criteria,
                                           strict=True):
            old_points = old_c.points
            # A 'never' rule starts from a clean record: a clean first turn is not a move,
            # an offending one loses points (an empty transcript scores 0, so compare to max).
            if len(turns) == 1 and criterion.rule is not None and criterion.rule.kind == "never":
                old_points = old_c.max
            change = round(new_c.points - old_points, 2)
            if change:
                moved.append(CriterionMove(new.rubric, new_c.id, new_c.label, change))
            if change < 0:
                lost.append(new_c)
    closed = {
        (r.id, c.id)
        for r in rubrics
        for c in r.criteria
        if c.rule is not None and c.rule.within_first is not None
        and c.rule.within_first < turns[-1].index
    }
    return TurnFeedback(turns[-1].index, turns[-1].fired(), moved, _hint(lost, after, closed))


def _hint(lost: list[CriterionResult], card: Scorecard, closed: set[tuple[str, str]]) -> str:
    """The tip for what just lost points, else for the heaviest criterion still within reach.

    Criteria limited to the first N turns are out of reach once N turns have passed: a hint
    about them would be advice the trainee can no longer follow in this call.
    """
    if lost:
        return max(lost, key=lambda c: c.max).tip
    open_items = [c for s in card.rubrics for c in s.criteria
                  if c.status in {"missed", "partly"} and (s.rubric, c.id) not in closed]
    if not open_items:
        return "Good turn: keep going the same way."
    return max(open_items, key=lambda c: c.max - c.points).tip
