"""A practice session end to end: outcomes, wrap-up, persistence hook and the JSON contract."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from simulator.customers import CustomerContext
from simulator.loader import Library
from simulator.models import Outcome, Rubric, Scenario, SignalCatalogue, Stage, Turn
from simulator.session import PracticeSession, SessionOver
from simulator.signals import SignalDetector

OUTCOMES = {o.value for o in Outcome}
STAGES = {s.value for s in Stage}


def tiny_with_jitter(tiny_scenario: Scenario, jitter: float = 3.0) -> Scenario:
    mood = tiny_scenario.mood.model_copy(update={"jitter": jitter})
    return tiny_scenario.model_copy(update={"mood": mood})


def new_session(scenario: Scenario, rubric: Rubric, catalogue: SignalCatalogue,
                detector: SignalDetector, seed: int = 0, **kwargs: Any) -> PracticeSession:
    return PracticeSession(scenario, [rubric], catalogue, detector, seed=seed, **kwargs)


# --------------------------------------------------------------------------- the tiny scenario


def test_model_replies_resolve_and_pass(tiny_session: PracticeSession) -> None:
    replies = tiny_session.scenario.examples.model.replies
    results = tiny_session.play(replies)
    assert tiny_session.outcome is Outcome.resolved
    assert tiny_session.finished
    assert len(results) == len(replies) == len(tiny_session.turns)
    card = tiny_session.scorecard()
    assert card.passed, card
    assert card.critical_violations == []
    assert tiny_session.turns[-1].stage is Stage.closing


def test_poor_replies_walk_out_and_fail(tiny_session: PracticeSession) -> None:
    tiny_session.play(tiny_session.scenario.examples.poor.replies)
    assert tiny_session.outcome is Outcome.walked_out
    assert tiny_session.finished
    card = tiny_session.scorecard()
    assert not card.passed
    assert "tiny.no_arguing" in card.critical_violations
    assert tiny_session.turns[-1].customer in tiny_session.scenario.lines.walked_out


def test_mood_moves_exactly_by_the_reasons_without_jitter(tiny_session: PracticeSession) -> None:
    anger = tiny_session.scenario.mood.initial
    for reply in tiny_session.scenario.examples.poor.replies:
        result = tiny_session.submit(reply)
        anger = max(0.0, min(100.0, anger + sum(change for _, change in result.mood_reasons)))
        assert result.turn.mood == pytest.approx(anger)
        if tiny_session.finished:
            break


def test_turn_result_reports_signals_feedback_and_outcome(tiny_session: PracticeSession) -> None:
    result = tiny_session.submit("You're wrong, the tracking shows it was delivered.")
    assert "argue" in result.turn.fired()
    assert any(name == "argue" and change > 0 for name, change in result.mood_reasons)
    assert result.feedback.turn == 1
    assert result.feedback.signals == result.turn.fired()
    assert result.outcome is tiny_session.outcome is Outcome.in_progress
    assert result.turn.mood > tiny_session.scenario.mood.initial


# --------------------------------------------------------------------------- wrap-up, end


def resolve(session: PracticeSession) -> None:
    for reply in session.scenario.examples.model.replies:
        session.submit(reply)
        if session.outcome is Outcome.resolved:
            return
    raise AssertionError(f"did not resolve: {session.outcome}")


def test_resolved_call_accepts_exactly_one_wrap_up(tiny_session: PracticeSession) -> None:
    resolve(tiny_session)
    assert not tiny_session.finished
    played = len(tiny_session.turns)
    anger = tiny_session.mood.anger
    result = tiny_session.submit("Thanks so much for your patience.")
    assert len(tiny_session.turns) == played + 1
    assert result.turn.customer in tiny_session.scenario.lines.stages[Stage.closing]
    assert result.turn.stage is Stage.closing
    assert result.turn.mood == anger
    assert result.turn.remedy is None
    assert result.mood_reasons == ()
    assert result.outcome is Outcome.resolved
    assert "thank" in result.turn.fired()
    assert result.feedback.turn == played + 1
    assert tiny_session.finished
    # the wrap-up is scored: its thanks appears as evidence
    card = tiny_session.scorecard()
    evidence_turns = {e.turn for r in card.rubrics for c in r.criteria for e in c.evidence}
    assert played + 1 in evidence_turns
    with pytest.raises(SessionOver):
        tiny_session.submit("One more thing.")
    assert len(tiny_session.turns) == played + 1


def test_wrap_up_offering_a_remedy_does_not_reopen_the_call(
    tiny_session: PracticeSession,
) -> None:
    resolve(tiny_session)
    result = tiny_session.submit("I'll also send a voucher, thanks.")
    assert result.turn.remedy is None
    assert tiny_session.outcome is Outcome.resolved and tiny_session.finished


def test_walked_out_call_accepts_no_more_replies(tiny_session: PracticeSession) -> None:
    tiny_session.play(tiny_session.scenario.examples.poor.replies)
    assert tiny_session.outcome is Outcome.walked_out
    played = len(tiny_session.turns)
    with pytest.raises(SessionOver, match="walked_out"):
        tiny_session.submit("I'm so sorry.")
    assert len(tiny_session.turns) == played


def test_turn_limit_ends_the_call(tiny_session: PracticeSession) -> None:
    limit = tiny_session.scenario.turn_limit
    tiny_session.play(["I'm sorry."] * (limit + 3))
    assert len(tiny_session.turns) == limit
    assert tiny_session.outcome is Outcome.turn_limit
    assert tiny_session.turns[-1].customer in tiny_session.scenario.lines.turn_limit
    assert tiny_session.finished
    with pytest.raises(SessionOver, match="turn_limit"):
        tiny_session.submit("I'm sorry.")


def test_play_stops_when_the_session_ends(tiny_session: PracticeSession) -> None:
    replies = [*tiny_session.scenario.examples.poor.replies, "I'm sorry.", "Thank you."]
    results = tiny_session.play(replies)
    assert tiny_session.outcome is Outcome.walked_out
    assert len(results) == len(tiny_session.turns)
    assert len(results) <= len(tiny_session.scenario.examples.poor.replies)


# --------------------------------------------------------------------------- empty replies


@pytest.mark.parametrize("reply", ["", "   ", "\n\t "])
def test_empty_reply_is_rejected_and_nothing_is_stored(
    tiny_session: PracticeSession, reply: str
) -> None:
    stored: list[Turn] = []
    tiny_session.on_turn = stored.append
    mood = tiny_session.mood
    with pytest.raises(ValueError):
        tiny_session.submit(reply)
    assert tiny_session.turns == []
    assert stored == []
    assert tiny_session.mood == mood
    assert tiny_session.last_customer_line == tiny_session.opening


def test_play_skips_blank_replies(tiny_session: PracticeSession) -> None:
    results = tiny_session.play(["", "I'm so sorry.", "  "])
    assert len(results) == 1 and len(tiny_session.turns) == 1
    assert tiny_session.turns[0].index == 1


def test_reply_is_stored_stripped(tiny_session: PracticeSession) -> None:
    tiny_session.submit("   I'm so sorry.  \n")
    assert tiny_session.turns[0].trainee == "I'm so sorry."


# --------------------------------------------------------------------------- on_turn


def test_on_turn_is_called_before_the_customer_answers(
    tiny_scenario: Scenario, tiny_rubric: Rubric, catalogue: SignalCatalogue,
    detector: SignalDetector,
) -> None:
    seen: list[tuple[int, str, str, int]] = []
    session: PracticeSession

    def record(turn: Turn) -> None:
        seen.append((turn.index, turn.trainee, turn.customer, len(session.turns)))

    session = new_session(tiny_scenario, tiny_rubric, catalogue, detector, on_turn=record)
    replies = tiny_scenario.examples.model.replies
    session.play(replies)
    assert [(i, trainee) for i, trainee, _, _ in seen] == [
        (t.index, t.trainee) for t in session.turns]
    # inside the callback the customer's answer did not exist yet, but the turn was stored
    assert [customer for _, _, customer, _ in seen] == [""] * len(session.turns)
    assert [count for _, _, _, count in seen] == list(range(1, len(session.turns) + 1))
    assert all(t.customer for t in session.turns)


def test_turn_is_stored_by_on_turn_even_if_the_engine_fails(
    tiny_session: PracticeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    store: list[dict[str, Any]] = []
    tiny_session.on_turn = lambda turn: store.append(turn.model_dump())

    def broken(context: CustomerContext) -> str:
        raise RuntimeError("the model server is down")

    monkeypatch.setattr(tiny_session.engine, "respond", broken)
    with pytest.raises(RuntimeError, match="down"):
        tiny_session.submit("I'm so sorry, could you tell me what happened?")
    assert len(store) == 1
    assert store[0]["trainee"] == "I'm so sorry, could you tell me what happened?"
    assert store[0]["index"] == 1
    assert store[0]["prompt"] == tiny_session.opening
    assert store[0]["signals"]["apologize"]["present"]


# --------------------------------------------------------------------------- prompts


def test_each_prompt_is_the_customer_line_it_answers(tiny_session: PracticeSession) -> None:
    tiny_session.play(tiny_session.scenario.examples.model.replies)
    turns = tiny_session.turns
    assert turns[0].prompt == tiny_session.opening == tiny_session.scenario.opening_line
    for earlier, later in itertools.pairwise(turns):
        assert later.prompt == earlier.customer


def test_reflect_is_detected_against_the_prompt(tiny_session: PracticeSession) -> None:
    # "due Monday" and "kettle parcel" echo the opening line, which is the first prompt
    result = tiny_session.submit("So your kettle parcel due Monday never came.")
    assert "reflect" in result.turn.fired()


def test_shipped_scenarios_start_with_their_opening_line(
    library: Library, detector: SignalDetector
) -> None:
    assert library.catalogue is not None
    assert library.scenarios
    for scenario in library.scenarios.values():
        rubrics = [library.rubrics[r] for r in scenario.rubrics]
        session = PracticeSession(scenario, rubrics, library.catalogue, detector, seed=0)
        assert session.opening == scenario.opening_line, scenario.id
        assert session.last_customer_line == scenario.opening_line
        session.submit("I'm so sorry about this.")
        assert session.turns[0].prompt == scenario.opening_line, scenario.id


# --------------------------------------------------------------------------- JSON


def test_to_json_matches_the_play_contract(tiny_session: PracticeSession) -> None:
    tiny_session.play(tiny_session.scenario.examples.model.replies)
    data = json.loads(json.dumps(tiny_session.to_json()))
    assert data["scenario"] == "tiny_parcel"
    assert data["outcome"] == "resolved" and data["outcome"] in OUTCOMES
    assert data["opening"] == tiny_session.opening
    assert len(data["turns"]) == len(tiny_session.turns)
    for item, turn in zip(data["turns"], tiny_session.turns, strict=True):
        assert {"trainee", "customer", "mood", "stage", "signals"} <= set(item)
        assert item["trainee"] == turn.trainee and item["customer"] == turn.customer
        assert isinstance(item["mood"], int | float) and 0 <= item["mood"] <= 100
        assert item["stage"] in STAGES
        assert isinstance(item["signals"], list)
        assert all(isinstance(s, str) for s in item["signals"])
        assert item["signals"] == turn.fired()
    score = data["score"]
    assert isinstance(score["percent"], int | float) and 0 <= score["percent"] <= 100
    assert isinstance(score["passed"], bool) and score["passed"] is True
    assert score["criteria"]
    for criterion in score["criteria"]:
        assert {"id", "met", "points", "max", "evidence"} <= set(criterion)
        assert isinstance(criterion["met"], bool)
        assert 0 <= criterion["points"] <= criterion["max"]
        for quote in criterion["evidence"]:
            assert {"turn", "signal", "quote"} <= set(quote)
            assert 1 <= quote["turn"] <= len(data["turns"])
    by_id = {c["id"]: c for c in score["criteria"]}
    assert by_id["tiny.no_arguing"]["met"] is True
    assert by_id["tiny.follow_up"]["met"] is False
    assert by_id["tiny.follow_up"]["status"] == "pending"


def test_to_json_in_progress_and_failing(tiny_session: PracticeSession) -> None:
    tiny_session.submit("You're wrong, the tracking shows it was delivered.")
    data = tiny_session.to_json()
    assert data["outcome"] == "in_progress"
    assert data["score"]["passed"] is False
    assert data["score"]["critical_violations"] == ["tiny.no_arguing"]
    assert data["turns"][0]["evidence"]["argue"]


def test_same_seed_identical_json(
    tiny_scenario: Scenario, tiny_rubric: Rubric, catalogue: SignalCatalogue,
    detector: SignalDetector,
) -> None:
    scenario = tiny_with_jitter(tiny_scenario)
    replies = ["Let me check.", "I'm sorry.", "Could you tell me more?", "Hmm.", "Thank you."]
    runs = []
    for _ in range(2):
        session = new_session(scenario, tiny_rubric, catalogue, detector, seed=11)
        session.play(replies)
        runs.append(json.dumps(session.to_json(), sort_keys=True))
    assert runs[0] == runs[1]


def test_different_seeds_differ_with_jitter(
    tiny_scenario: Scenario, tiny_rubric: Rubric, catalogue: SignalCatalogue,
    detector: SignalDetector,
) -> None:
    scenario = tiny_with_jitter(tiny_scenario)
    trails = set()
    for seed in range(4):
        session = new_session(scenario, tiny_rubric, catalogue, detector, seed=seed)
        session.play(["Let me check.", "I'm sorry.", "Hmm."])
        trails.add(tuple(t.mood for t in session.turns))
    assert len(trails) == 4
