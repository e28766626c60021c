# Layer: mood. Imports simulator.models only.
"""The customer's anger (0 calm - 100 furious), its stages and the outcomes it leads to.

Pure and deterministic: the same state, signals, parameters and seeded random generator
always give the same next state. The session owns the generator; nothing here does I/O.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from simulator.models import MoodParams, Outcome, Stage

LISTENING = frozenset({"reflect", "ask_question", "empathize"})
"""Signals that count as having listened: a remedy before any of them calms less."""

REMEDY = "offer_remedy"


@dataclass(frozen=True)
class RemedyOffer:
    """A scenario remedy the trainee offered this turn, and whether it fits."""

    remedy_id: str
    fits: bool


@dataclass(frozen=True)
class MoodState:
    """Where the customer is after a turn."""

    anger: float
    stage: Stage = Stage.venting
    listened: bool = False
    hot_turns: int = 0
    outcome: Outcome = Outcome.in_progress


@dataclass(frozen=True)
class MoodStep:
    """The new state and why it moved, for feedback ('arguing: +14')."""

    state: MoodState
    reasons: tuple[tuple[str, float], ...]


def clamp(value: float) -> float:
    """Keep anger within 0-100."""
    return max(0.0, min(100.0, value))


def stage_for(anger: float, params: MoodParams) -> Stage:
    """The stage that matches an anger level (closing is reached only by resolving)."""
    if anger >= params.venting_above:
        return Stage.venting
    if anger < params.negotiating_below:
        return Stage.negotiating
    return Stage.explaining


def initial_state(params: MoodParams) -> MoodState:
    """The customer as the call opens."""
    return MoodState(anger=params.initial, stage=stage_for(params.initial, params))


def effect(signal_id: str, params: MoodParams, defaults: Mapping[str, float]) -> float:
    """Change in anger for one signal: the persona's weight, else the catalogue default."""
    return params.weights.get(signal_id, defaults.get(signal_id, 0.0))


def step(
    state: MoodState,
    fired: Sequence[str],
    params: MoodParams,
    defaults: Mapping[str, float],
    rng: random.Random,
    *,
    turn: int,
    turn_limit: int,
    remedy: RemedyOffer | None = None,
) -> MoodStep:
    """Apply one trainee turn to the customer's mood and decide whether the call ends."""
    listened_now = state.listened or any(s in LISTENING for s in fired)
    reasons: list[tuple[str, float]] = []
    for signal_id in fired:
        change = effect(signal_id, params, defaults)
        if signal_id == REMEDY and not listened_now:
            change *= params.early_remedy_factor
        if change:
            reasons.append((signal_id, change))
    if remedy is not None:
        if remedy.fits:
            bonus = params.fitting_remedy_bonus
            if not listened_now:
                bonus *= params.early_remedy_factor
            reasons.append(("fitting remedy", bonus))
        else:
            reasons.append(("remedy that misses the point", params.unfit_remedy_penalty))
    if not reasons and params.drift:
        reasons.append(("nothing that helps", params.drift))
    wobble = round(rng.uniform(-params.jitter, params.jitter), 2) if params.jitter else 0.0
    anger = round(clamp(state.anger + sum(c for _, c in reasons) + wobble), 2)

    hot_turns = state.hot_turns + 1 if anger >= params.escalate_at else 0
    outcome = Outcome.in_progress
    if anger >= params.walk_out_at:
        outcome = Outcome.walked_out
    elif remedy is not None and remedy.fits and anger <= params.accept_at:
        outcome = Outcome.resolved
    elif hot_turns >= params.escalate_after:
        outcome = Outcome.escalated
    elif turn >= turn_limit:
        outcome = Outcome.turn_limit
    stage = Stage.closing if outcome is Outcome.resolved else stage_for(anger, params)
    new_state = replace(state, anger=anger, stage=stage, listened=listened_now,
                        hot_turns=hot_turns, outcome=outcome)
    return MoodStep(new_state, tuple(reasons))
