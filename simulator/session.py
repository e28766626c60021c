# Layer: session. Imports models, signals, scoring, mood and customers.
"""One practice session: the customer, the detector, the mood and the scorecard together.

The session decides everything that matters (signals, mood, outcome, score) in code; the
customer engine only words the answer. `on_turn` is called with each finished turn before
the customer's answer is returned, so a store can persist it first (nothing is lost if the
answer fails to arrive).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.customers import CustomerContext, create_engine, match_remedy
from simulator.models import Outcome, Rubric, Scenario, Scorecard, SignalCatalogue, Turn
from simulator.mood import MoodState, RemedyOffer, initial_state, step
from simulator.scoring import TurnFeedback, score_transcript, turn_feedback
from simulator.signals import SignalDetector


class SessionOver(RuntimeError):
    """Raised when a reply is submitted to a session that has ended."""


@dataclass(frozen=True)
class TurnResult:
    """What the trainee sees after one reply."""

    turn: Turn
    feedback: TurnFeedback
    mood_reasons: tuple[tuple[str, float], ...]
    outcome: Outcome


@dataclass
class PracticeSession:
    """A trainee talking to one customer in one scenario."""

    scenario: Scenario
    rubrics: Sequence[Rubric]
    catalogue: SignalCatalogue
    detector: SignalDetector
    engine_name: str = "scripted"
    seed: int = 0
    on_turn: Callable[[Turn], None] | None = None
    turns: list[Turn] = field(default_factory=list)
    feedback: list[TurnFeedback] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Two generators: rewording the customer's lines must not shift the mood's jitter.
        self.rng = random.Random(self.seed)
        self.engine = create_engine(self.engine_name, self.scenario,
                                    random.Random(f"lines-{self.seed}"))
        self.mood: MoodState = initial_state(self.scenario.mood)
        self.defaults = {s.id: s.mood_effect for s in self.catalogue.signals}
        self.opening = self.engine.opening()
        self.wrapped_up = False

    @property
    def outcome(self) -> Outcome:
        """How the call stands now."""
        return self.mood.outcome

    @property
    def finished(self) -> bool:
        """True once no more replies are accepted."""
        if self.outcome is Outcome.resolved:
            return self.wrapped_up
        return self.outcome is not Outcome.in_progress

    @property
    def last_customer_line(self) -> str:
        """The customer message the trainee is answering now."""
        return self.turns[-1].customer if self.turns else self.opening

    def submit(self, reply: str) -> TurnResult:
        """Play one trainee reply: detect, move the mood, decide the outcome, answer."""
        if self.finished:
            raise SessionOver(f"the session has ended ({self.outcome.value})")
        reply = reply.strip()
        if not reply:
            raise ValueError("an empty reply cannot be scored; say something to the customer")
        prompt = self.last_customer_line
        # Reflecting back may quote anything the customer has said so far, not just the last line.
        heard = "\n".join([self.opening, *(t.customer for t in self.turns)])
        verdicts = self.detector.detect(reply, heard)
        fired = [s for s, v in verdicts.items() if v.present]
        index = len(self.turns) + 1
        before = self.mood
        wrap_up = self.outcome is Outcome.resolved
        offer_words = verdicts["offer_remedy"].evidence if "offer_remedy" in verdicts else []
        remedy = None if wrap_up else match_remedy(self.scenario, reply, fired, offer_words)
        reasons: tuple[tuple[str, float], ...] = ()
        if not wrap_up:
            offer = RemedyOffer(remedy.id, remedy.fits) if remedy else None
            moved = step(before, fired, self.scenario.mood, self.defaults, self.rng,
                         turn=index, turn_limit=self.scenario.turn_limit, remedy=offer)
            self.mood, reasons = moved.state, moved.reasons
        turn = Turn(index=index, prompt=prompt, trainee=reply, signals=verdicts,
                    mood=self.mood.anger, stage=self.mood.stage,
                    remedy=remedy.id if remedy else None)
        self.turns.append(turn)
        if self.on_turn is not None:
            self.on_turn(turn)
        if wrap_up:
            answer = self.engine.wrap_up(reply)
            self.wrapped_up = True
        else:
            context = CustomerContext(reply, fired, before, self.mood, remedy, index)
            answer = self.engine.respond(context)
        turn.customer = answer
        feedback = turn_feedback(self.turns, self.rubrics)
        self.feedback.append(feedback)
        return TurnResult(turn, feedback, reasons, self.outcome)

    def play(self, replies: Iterable[str]) -> list[TurnResult]:
        """Submit replies in order until they run out or the session ends."""
        results: list[TurnResult] = []
        for reply in replies:
            if self.finished:
                break
            if reply.strip():
                results.append(self.submit(reply))
        return results

    def scorecard(self) -> Scorecard:
        """The scorecard for the turns so far."""
        return score_transcript(self.turns, self.rubrics)

    def to_json(self) -> dict[str, Any]:
        """The `play --json` contract (see DESIGN.md)."""
        data = transcript_json(self.scenario.id, self.opening, self.outcome, self.turns,
                               self.scorecard())
        for turn_data, feedback in zip(data["turns"], self.feedback, strict=True):
            turn_data["hint"] = feedback.hint
            turn_data["moved"] = [
                {"criterion": f"{m.rubric}.{m.criterion}", "change": m.change}
                for m in feedback.moved
            ]
        return data


def transcript_json(
    scenario_id: str | None, opening: str, outcome: Outcome, turns: Sequence[Turn], card: Scorecard
) -> dict[str, Any]:
    """A transcript and its scorecard as plain JSON-ready data."""
    return {
        "scenario": scenario_id,
        "opening": opening,
        "outcome": outcome.value,
        "turns": [
            {
                "trainee": t.trainee,
                "customer": t.customer,
                "mood": t.mood,
                "stage": t.stage.value,
                "signals": t.fired(),
                "evidence": {s: v.evidence for s, v in t.signals.items() if v.present},
                "remedy": t.remedy,
            }
            for t in turns
        ],
        "score": scorecard_json(card),
    }


def scorecard_json(card: Scorecard) -> dict[str, Any]:
    """The scorecard flattened to the `score` object of the CLI contract."""
    return {
        "percent": card.percent,
        "passed": card.passed,
        "critical_violations": card.critical_violations,
        "rubrics": [
            {"id": r.rubric, "title": r.title, "percent": r.percent, "pass_mark": r.pass_mark,
             "passed": r.passed}
            for r in card.rubrics
        ],
        "criteria": [
            {
                "id": f"{r.rubric}.{c.id}",
                "label": c.label,
                "status": c.status,
                "met": c.status == "met",
                "points": c.points,
                "max": c.max,
                "critical_violation": c.critical_violation,
                "evidence": [e.model_dump() for e in c.evidence],
                "tip": c.tip if c.status in {"missed", "partly"} else "",
                "model_phrasing": c.model_phrasing if c.status in {"missed", "partly"} else "",
            }
            for r in card.rubrics
            for c in r.criteria
        ],
    }
