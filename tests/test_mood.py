"""Mood dynamics: per-signal effects, remedies, drift, stages, outcomes and determinism."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.models import (
    MoodParams,
    Outcome,
    Rubric,
    Scenario,
    SignalCatalogue,
    SignalVerdict,
    Stage,
)
from simulator.mood import (
    MoodState,
    MoodStep,
    RemedyOffer,
    clamp,
    effect,
    initial_state,
    stage_for,
    step,
)
from simulator.session import PracticeSession, SessionOver
from simulator.signals import SignalDetector

DEFAULTS: dict[str, float] = {
    "apologize": -6,
    "empathize": -7,
    "reflect": -8,
    "ask_question": -3,
    "offer_remedy": -4,
    "take_ownership": -6,
    "thank": -2,
    "argue": 14,
    "pass_the_buck": 12,
    "quote_policy": 8,
    "dismissive": 12,
}
SIGNALS = sorted(DEFAULTS)
FIT = RemedyOffer("resend", fits=True)
UNFIT = RemedyOffer("voucher", fits=False)


def params(**overrides: Any) -> MoodParams:
    """Mood parameters with no jitter and no drift unless a test asks for them."""
    values: dict[str, Any] = {"initial": 60, "jitter": 0, "drift": 0}
    values.update(overrides)
    return MoodParams(**values)


def move(
    fired: Sequence[str],
    mood: MoodParams,
    *,
    anger: float | None = None,
    listened: bool = False,
    hot_turns: int = 0,
    remedy: RemedyOffer | None = None,
    turn: int = 1,
    turn_limit: int = 10,
    defaults: Mapping[str, float] = DEFAULTS,
    seed: int = 0,
) -> MoodStep:
    """One step from a hand-made state."""
    start = MoodState(anger=mood.initial if anger is None else anger, listened=listened,
                      hot_turns=hot_turns)
    return step(start, fired, mood, defaults, random.Random(seed), turn=turn,
                turn_limit=turn_limit, remedy=remedy)


# --------------------------------------------------------------------------- effects


def test_effect_uses_catalogue_default_without_persona_weight() -> None:
    assert effect("argue", params(), DEFAULTS) == 14
    assert effect("unknown_signal", params(), DEFAULTS) == 0


def test_persona_weight_overrides_catalogue_default() -> None:
    mood = params(weights={"argue": 25, "apologize": -1})
    assert effect("argue", mood, DEFAULTS) == 25
    assert effect("apologize", mood, DEFAULTS) == -1
    assert effect("reflect", mood, DEFAULTS) == -8
    assert move(["argue"], mood).state.anger == 85
    assert move(["apologize"], mood).state.anger == 59


def test_persona_weight_overrides_shipped_catalogue(catalogue: SignalCatalogue) -> None:
    defaults = {s.id: s.mood_effect for s in catalogue.signals}
    plain = move(["pass_the_buck"], params(), defaults=defaults)
    touchy = move(["pass_the_buck"], params(weights={"pass_the_buck": 20}), defaults=defaults)
    assert plain.state.anger == 60 + defaults["pass_the_buck"]
    assert touchy.state.anger == 80
    assert touchy.reasons == (("pass_the_buck", 20),)


def test_shipped_catalogue_polarity_matches_mood_effect(catalogue: SignalCatalogue) -> None:
    for spec in catalogue.signals:
        if spec.polarity == "harmful":
            assert spec.mood_effect > 0, spec.id
        else:
            assert spec.mood_effect <= 0, spec.id


@pytest.mark.parametrize("signal", ["argue", "pass_the_buck", "dismissive", "quote_policy"])
def test_harmful_signals_raise_anger(signal: str) -> None:
    result = move([signal], params())
    assert result.state.anger == 60 + DEFAULTS[signal]
    assert result.state.anger > 60
    assert result.reasons == ((signal, DEFAULTS[signal]),)


@pytest.mark.parametrize("signal", ["apologize", "empathize", "reflect"])
def test_listening_and_apology_lower_anger(signal: str) -> None:
    result = move([signal], params())
    assert result.state.anger == 60 + DEFAULTS[signal]
    assert result.state.anger < 60


def test_effects_of_several_signals_add_up() -> None:
    result = move(["apologize", "reflect", "argue"], params())
    assert result.state.anger == 60 - 6 - 8 + 14
    assert [name for name, _ in result.reasons] == ["apologize", "reflect", "argue"]


# --------------------------------------------------------------------------- remedies


def test_remedy_before_listening_calms_less_than_after() -> None:
    mood = params(early_remedy_factor=0.5, fitting_remedy_bonus=-10, accept_at=20)
    early = move(["offer_remedy"], mood, remedy=FIT)
    late = move(["offer_remedy"], mood, remedy=FIT, listened=True)
    assert early.state.anger == 60 - 4 * 0.5 - 10 * 0.5
    assert late.state.anger == 60 - 4 - 10
    assert early.state.anger > late.state.anger
    assert dict(early.reasons) == {"offer_remedy": -2.0, "fitting remedy": -5.0}


def test_listening_in_the_same_turn_counts_as_listened() -> None:
    mood = params(early_remedy_factor=0.5, fitting_remedy_bonus=-10, accept_at=20)
    together = move(["reflect", "offer_remedy"], mood, remedy=FIT)
    assert together.state.anger == 60 - 8 - 4 - 10
    assert together.state.listened


def test_apology_alone_is_not_listening() -> None:
    mood = params(early_remedy_factor=0.5, accept_at=10)
    result = move(["apologize", "offer_remedy"], mood)
    assert dict(result.reasons)["offer_remedy"] == -2.0
    assert not result.state.listened


def test_listening_is_remembered_across_turns() -> None:
    mood = params(early_remedy_factor=0.0, accept_at=10)
    first = move(["ask_question"], mood)
    assert first.state.listened
    second = step(first.state, ["offer_remedy"], mood, DEFAULTS, random.Random(0),
                  turn=2, turn_limit=10)
    assert second.state.anger == first.state.anger - 4


def test_early_remedy_factor_zero_removes_all_calming() -> None:
    mood = params(early_remedy_factor=0.0, accept_at=10)
    result = move(["offer_remedy"], mood, remedy=FIT)
    assert result.state.anger == 60
    assert dict(result.reasons) == {"fitting remedy": 0.0}


def test_fitting_remedy_bonus() -> None:
    mood = params(fitting_remedy_bonus=-20, accept_at=10)
    with_fit = move(["offer_remedy"], mood, remedy=FIT, listened=True)
    without = move(["offer_remedy"], mood, listened=True)
    assert with_fit.state.anger == without.state.anger - 20
    assert ("fitting remedy", -20) in with_fit.reasons


def test_unfit_remedy_penalty() -> None:
    mood = params(unfit_remedy_penalty=9)
    result = move(["offer_remedy"], mood, remedy=UNFIT, listened=True)
    assert result.state.anger == 60 - 4 + 9
    assert ("remedy that misses the point", 9) in result.reasons
    assert result.state.outcome is Outcome.in_progress


def test_unfit_remedy_penalty_is_not_softened_by_listening() -> None:
    mood = params(unfit_remedy_penalty=9, early_remedy_factor=0.5)
    early = move(["offer_remedy"], mood, remedy=UNFIT)
    assert dict(early.reasons)["remedy that misses the point"] == 9


# --------------------------------------------------------------------------- drift, clamp


def test_drift_when_nothing_relevant_fired() -> None:
    mood = params(drift=3)
    assert move([], mood).state.anger == 63
    assert move([], mood).reasons == (("nothing that helps", 3),)
    assert move(["unknown_signal"], mood).state.anger == 63


def test_no_drift_when_something_moved_anger() -> None:
    mood = params(drift=3)
    result = move(["thank"], mood)
    assert result.state.anger == 58
    assert all(name != "nothing that helps" for name, _ in result.reasons)


def test_negative_drift_calms() -> None:
    assert move([], params(drift=-4)).state.anger == 56


def test_signal_with_zero_weight_counts_as_nothing() -> None:
    mood = params(drift=2, weights={"thank": 0})
    assert move(["thank"], mood).state.anger == 62


@pytest.mark.parametrize(("value", "expected"), [(-5, 0), (0, 0), (42.5, 42.5), (100, 100),
                                                  (130, 100)])
def test_clamp(value: float, expected: float) -> None:
    assert clamp(value) == expected


def test_anger_is_clamped_at_both_ends() -> None:
    calm = move(["apologize", "empathize", "reflect"], params(initial=5))
    assert calm.state.anger == 0
    furious = move(["argue", "dismissive"], params(initial=95, walk_out_at=100))
    assert furious.state.anger == 100


# --------------------------------------------------------------------------- stages


@pytest.mark.parametrize(
    ("anger", "stage"),
    [
        (100, Stage.venting),
        (70, Stage.venting),
        (69.99, Stage.explaining),
        (45, Stage.explaining),
        (44.99, Stage.negotiating),
        (0, Stage.negotiating),
    ],
)
def test_stage_for_thresholds(anger: float, stage: Stage) -> None:
    assert stage_for(anger, params(venting_above=70, negotiating_below=45)) is stage


def test_initial_state_stage_follows_initial_anger() -> None:
    assert initial_state(params(initial=80)).stage is Stage.venting
    assert initial_state(params(initial=50)).stage is Stage.explaining
    assert initial_state(params(initial=20)).stage is Stage.negotiating
    state = initial_state(params(initial=80))
    assert (state.anger, state.listened, state.hot_turns, state.outcome) == (
        80, False, 0, Outcome.in_progress)


def test_closing_only_on_resolve() -> None:
    mood = params(initial=10, accept_at=55)
    calm_no_remedy = move(["thank"], mood)
    assert calm_no_remedy.state.stage is Stage.negotiating
    resolved = move(["offer_remedy"], mood, remedy=FIT, listened=True)
    assert resolved.state.outcome is Outcome.resolved
    assert resolved.state.stage is Stage.closing
    unfit = move(["offer_remedy"], mood, remedy=UNFIT, listened=True)
    assert unfit.state.stage is not Stage.closing


def test_stage_moves_with_anger_during_a_call() -> None:
    mood = params(initial=75)
    state = initial_state(mood)
    stages = [state.stage]
    for turn, fired in enumerate([["reflect"], ["empathize", "apologize"], ["reflect"]], 1):
        state = step(state, fired, mood, DEFAULTS, random.Random(0), turn=turn,
                     turn_limit=10).state
        stages.append(state.stage)
    # 75 -> 67 -> 54 -> 46
    assert stages == [Stage.venting, Stage.explaining, Stage.explaining, Stage.explaining]
    state = step(state, ["ask_question"], mood, DEFAULTS, random.Random(0), turn=4,
                 turn_limit=10).state
    assert state.anger == 43 and state.stage is Stage.negotiating


# --------------------------------------------------------------------------- outcomes


def test_resolved_with_fitting_remedy_at_accept_at() -> None:
    mood = params(accept_at=50, fitting_remedy_bonus=-10)
    # 64 - 4 - 10 = 50: exactly at the threshold
    result = move(["offer_remedy"], mood, anger=64, remedy=FIT, listened=True)
    assert result.state.anger == 50
    assert result.state.outcome is Outcome.resolved


def test_fitting_remedy_just_above_accept_at_is_not_resolved() -> None:
    mood = params(accept_at=50, fitting_remedy_bonus=-10)
    result = move(["offer_remedy"], mood, anger=64.5, remedy=FIT, listened=True)
    assert result.state.anger == 50.5
    assert result.state.outcome is Outcome.in_progress


def test_calm_customer_without_fitting_remedy_is_not_resolved() -> None:
    mood = params(initial=5, accept_at=50)
    assert move(["offer_remedy"], mood, listened=True).state.outcome is Outcome.in_progress
    assert move(["offer_remedy"], mood, remedy=UNFIT, listened=True).state.outcome is (
        Outcome.in_progress)
    assert move(["apologize"], mood).state.outcome is Outcome.in_progress


def test_escalates_after_consecutive_hot_turns() -> None:
    mood = params(initial=80, escalate_at=85, escalate_after=2, walk_out_at=100)
    state = initial_state(mood)
    outcomes = []
    for turn in (1, 2):
        moved = step(state, ["quote_policy"], mood, DEFAULTS, random.Random(0), turn=turn,
                     turn_limit=10)
        state = moved.state
        outcomes.append((state.anger, state.hot_turns, state.outcome))
    assert outcomes == [(88, 1, Outcome.in_progress), (96, 2, Outcome.escalated)]


def test_hot_turn_counter_resets_when_anger_drops() -> None:
    mood = params(initial=80, escalate_at=85, escalate_after=2, walk_out_at=100)
    state = initial_state(mood)
    trail = []
    for turn, fired in enumerate([["quote_policy"], ["reflect"], ["quote_policy"]], 1):
        state = step(state, fired, mood, DEFAULTS, random.Random(0), turn=turn,
                     turn_limit=10).state
        trail.append((state.anger, state.hot_turns, state.outcome))
    # 88 hot, 80 cools (reset), 88 hot again: only one consecutive hot turn
    assert trail == [
        (88, 1, Outcome.in_progress),
        (80, 0, Outcome.in_progress),
        (88, 1, Outcome.in_progress),
    ]


def test_escalate_after_one_escalates_on_first_hot_turn() -> None:
    mood = params(initial=80, escalate_at=85, escalate_after=1)
    assert move(["argue"], mood).state.outcome is Outcome.escalated


def test_walks_out_at_walk_out_at() -> None:
    mood = params(initial=80, escalate_at=85, walk_out_at=90, escalate_after=5)
    result = move(["dismissive"], mood, anger=78)
    assert result.state.anger == 90
    assert result.state.outcome is Outcome.walked_out
    below = move(["dismissive"], mood, anger=77.5)
    assert below.state.outcome is Outcome.in_progress


def test_walk_out_takes_precedence_over_escalation() -> None:
    mood = params(initial=80, escalate_at=85, walk_out_at=100, escalate_after=1)
    result = move(["argue", "dismissive"], mood, hot_turns=3)
    assert result.state.outcome is Outcome.walked_out


def test_turn_limit_at_the_limit() -> None:
    mood = params()
    assert move(["thank"], mood, turn=5, turn_limit=6).state.outcome is Outcome.in_progress
    assert move(["thank"], mood, turn=6, turn_limit=6).state.outcome is Outcome.turn_limit


def test_resolution_on_the_last_turn_beats_turn_limit() -> None:
    mood = params(initial=40, accept_at=55)
    result = move(["offer_remedy"], mood, remedy=FIT, listened=True, turn=6, turn_limit=6)
    assert result.state.outcome is Outcome.resolved


def test_escalation_on_the_last_turn_beats_turn_limit() -> None:
    mood = params(initial=90, escalate_at=85, escalate_after=2)
    result = move(["quote_policy"], mood, hot_turns=1, turn=6, turn_limit=6)
    assert result.state.anger == 98
    assert result.state.outcome is Outcome.escalated


# --------------------------------------------------------------------------- determinism


def trajectory(seed: int, mood: MoodParams, turns: Sequence[Sequence[str]]) -> list[float]:
    rng = random.Random(seed)
    state = initial_state(mood)
    angers = []
    for turn, fired in enumerate(turns, 1):
        state = step(state, fired, mood, DEFAULTS, rng, turn=turn, turn_limit=100).state
        angers.append(state.anger)
    return angers


SCRIPT: list[list[str]] = [["thank"], [], ["apologize"], ["ask_question"], ["thank"]] * 3


def test_same_seed_same_trajectory() -> None:
    mood = params(initial=50, jitter=3, drift=1, escalate_at=99, walk_out_at=100)
    assert trajectory(7, mood, SCRIPT) == trajectory(7, mood, SCRIPT)


def test_different_seeds_different_jitter() -> None:
    mood = params(initial=50, jitter=3, drift=1, escalate_at=99, walk_out_at=100)
    runs = {tuple(trajectory(seed, mood, SCRIPT)) for seed in range(5)}
    assert len(runs) == 5


def test_jitter_stays_within_bounds() -> None:
    mood = params(initial=50, jitter=3)
    for seed in range(50):
        anger = move([], mood, seed=seed).state.anger
        assert 47 <= anger <= 53


def test_no_jitter_means_no_randomness() -> None:
    mood = params(initial=50)
    assert {move(["thank"], mood, seed=seed).state.anger for seed in range(10)} == {48}


def test_step_does_not_mutate_its_input() -> None:
    mood = params()
    start = MoodState(anger=60)
    step(start, ["argue"], mood, DEFAULTS, random.Random(0), turn=1, turn_limit=10)
    assert start == MoodState(anger=60)


# --------------------------------------------------------------------------- property

signal_sets = st.lists(st.sets(st.sampled_from(SIGNALS), max_size=4), min_size=1, max_size=30)
remedies = st.sampled_from([None, FIT, UNFIT])
mood_params = st.builds(
    lambda initial, jitter, drift, accept, gap, walk_gap, after: MoodParams(
        initial=initial, jitter=jitter, drift=drift, accept_at=accept,
        escalate_at=min(100.0, accept + gap), walk_out_at=min(100.0, accept + gap + walk_gap),
        escalate_after=after,
    ),
    st.floats(0, 100),
    st.floats(0, 10),
    st.floats(-10, 10),
    st.floats(0, 90),
    st.floats(1, 10),
    st.floats(0, 30),
    st.integers(1, 4),
)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(
    mood=mood_params,
    turns=signal_sets,
    offers=st.lists(remedies, min_size=30, max_size=30),
    seed=st.integers(0, 2**16),
    turn_limit=st.integers(2, 40),
)
def test_property_anger_in_range_and_one_terminal_outcome(
    mood: MoodParams,
    turns: list[set[str]],
    offers: list[RemedyOffer | None],
    seed: int,
    turn_limit: int,
) -> None:
    rng = random.Random(seed)
    state = initial_state(mood)
    assert 0 <= state.anger <= 100
    outcomes: list[Outcome] = []
    for turn, (fired, offer) in enumerate(zip(turns, offers, strict=False), 1):
        remedy = offer if "offer_remedy" in fired else None
        state = step(state, sorted(fired), mood, DEFAULTS, rng, turn=turn,
                     turn_limit=turn_limit, remedy=remedy).state
        outcomes.append(state.outcome)
        assert 0 <= state.anger <= 100
        if state.outcome is Outcome.walked_out:
            assert state.anger >= mood.walk_out_at
        if state.outcome is Outcome.resolved:
            assert remedy is not None and remedy.fits and state.anger <= mood.accept_at
            assert state.stage is Stage.closing
        else:
            assert state.stage is stage_for(state.anger, mood)
        if state.outcome is Outcome.escalated:
            assert state.hot_turns >= mood.escalate_after
        if state.outcome is not Outcome.in_progress:
            break
    terminal = [o for o in outcomes if o is not Outcome.in_progress]
    assert len(terminal) <= 1
    if terminal:
        assert outcomes[-1] is terminal[0]
    if len(turns) >= turn_limit:
        # a call always ends by its turn limit
        assert len(terminal) == 1 and len(outcomes) <= turn_limit



class QueuedDetector(SignalDetector):
    """A detector that reports the signal sets it is given, in order, whatever the reply."""

    def __init__(self, catalogue: SignalCatalogue, queue: Sequence[set[str]]) -> None:
        super().__init__(catalogue)
        self.queue = list(queue)

    def detect(self, reply: str, customer: str = "") -> dict[str, SignalVerdict]:
        fired = self.queue.pop(0)
        return {s: SignalVerdict(present=s in fired, confidence=1.0 if s in fired else 0.0,
                                 evidence=[reply] if s in fired else [])
                for s in self.catalogue.ids()}


REMEDY_TEXT = {None: "I hear you.", True: "I will send a replacement kettle today.",
               False: "Here is a voucher."}


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(turns=st.lists(st.tuples(st.sets(st.sampled_from(SIGNALS), max_size=4),
                                st.sampled_from([None, True, False])), min_size=1, max_size=12),
       seed=st.integers(0, 1000))
def test_property_session_outcome_is_terminal_at_most_once(
    turns: list[tuple[set[str], bool | None]],
    seed: int,
    tiny_scenario: Scenario,
    tiny_rubric: Rubric,
    catalogue: SignalCatalogue,
) -> None:
    mood = tiny_scenario.mood.model_copy(update={"jitter": 4.0})
    scenario = tiny_scenario.model_copy(update={"mood": mood})
    detector = QueuedDetector(catalogue, [fired for fired, _ in turns])
    session = PracticeSession(scenario, [tiny_rubric], catalogue, detector, seed=seed)
    seen: list[Outcome] = []
    for _fired, offer in turns:
        if session.finished:
            with pytest.raises(SessionOver):
                session.submit(REMEDY_TEXT[offer])
            break
        result = session.submit(REMEDY_TEXT[offer])
        assert 0 <= result.turn.mood <= 100
        seen.append(result.outcome)
    changes = [b for a, b in zip([Outcome.in_progress, *seen], seen, strict=False) if a != b]
    # the outcome changes at most once (from in progress to one terminal outcome) and sticks
    assert len(changes) <= 1
    if changes:
        assert changes[0] is not Outcome.in_progress
        assert session.outcome is changes[0]
    assert len(session.turns) <= scenario.turn_limit + 1
    if len(turns) > scenario.turn_limit + 1:
        assert session.finished
