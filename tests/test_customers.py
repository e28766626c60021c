"""The scripted customer, remedy matching and the engine registry."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence

import pytest

from simulator.customers import (
    ENGINES,
    CustomerContext,
    ScriptedCustomer,
    create_engine,
    match_remedy,
    register_engine,
)
from simulator.loader import Library
from simulator.models import Outcome, Remedy, Rubric, Scenario, SignalCatalogue, Stage
from simulator.mood import MoodState
from simulator.session import PracticeSession
from simulator.signals import SignalDetector


def customer(scenario: Scenario, seed: int = 0) -> ScriptedCustomer:
    engine = ScriptedCustomer(scenario, random.Random(seed))
    engine.opening()
    return engine


def context(
    fired: Sequence[str] = (),
    *,
    outcome: Outcome = Outcome.in_progress,
    remedy: Remedy | None = None,
    before: Stage = Stage.explaining,
    after: Stage = Stage.explaining,
    turn: int = 1,
) -> CustomerContext:
    """A context with the mood and outcome decided by hand, as the session would."""
    angers = {Stage.venting: 80.0, Stage.explaining: 60.0, Stage.negotiating: 40.0,
              Stage.closing: 30.0}
    return CustomerContext(
        reply="(reply)", fired=list(fired),
        before=MoodState(anger=angers[before], stage=before),
        after=MoodState(anger=angers[after], stage=after, outcome=outcome),
        remedy=remedy, turn=turn,
    )


def remedy(scenario: Scenario, remedy_id: str) -> Remedy:
    return next(r for r in scenario.remedies if r.id == remedy_id)


def all_lines(scenario: Scenario) -> set[str]:
    """Every single line the scenario gives its customer."""
    lines = scenario.lines
    found = {scenario.opening_line}
    for pool in [*lines.stages.values(), *lines.reactions.values(), lines.remedy_accepted,
                 lines.remedy_too_early, lines.remedy_unfit, lines.escalated, lines.walked_out,
                 lines.turn_limit]:
        found.update(pool)
    found.update(r.customer_reply for r in scenario.remedies if r.customer_reply)
    found.update(f.customer_line for f in scenario.facts if f.customer_line)
    return found


def from_scenario(scenario: Scenario, line: str) -> bool:
    """A line is a scenario line, or a reaction followed by a line for the new stage."""
    if line in all_lines(scenario):
        return True
    reactions = {r for pool in scenario.lines.reactions.values() for r in pool}
    stages = {s for pool in scenario.lines.stages.values() for s in pool}
    return any(line == f"{r} {s}" for r in reactions for s in stages)


# --------------------------------------------------------------------------- openings, outcomes


def test_opening_is_the_scenario_opening_line(tiny_scenario: Scenario) -> None:
    engine = ScriptedCustomer(tiny_scenario, random.Random(0))
    assert engine.opening() == tiny_scenario.opening_line


@pytest.mark.parametrize(
    ("outcome", "pool"),
    [(Outcome.walked_out, "walked_out"), (Outcome.escalated, "escalated"),
     (Outcome.turn_limit, "turn_limit")],
)
def test_outcome_lines(tiny_scenario: Scenario, outcome: Outcome, pool: str) -> None:
    engine = customer(tiny_scenario)
    # the outcome line wins over reactions, facts and remedies
    line = engine.respond(context(["argue", "ask_question", "offer_remedy"], outcome=outcome,
                                  remedy=remedy(tiny_scenario, "voucher"), after=Stage.venting))
    assert line in getattr(tiny_scenario.lines, pool)


def test_accepted_line_on_resolution(tiny_scenario: Scenario) -> None:
    engine = customer(tiny_scenario)
    line = engine.respond(context(["offer_remedy", "argue"], outcome=Outcome.resolved,
                                  remedy=remedy(tiny_scenario, "resend"), after=Stage.closing))
    assert line in tiny_scenario.lines.remedy_accepted


def test_accepted_line_is_the_remedys_own_reply_when_it_has_one(tiny_scenario: Scenario) -> None:
    own = remedy(tiny_scenario, "resend").model_copy(
        update={"customer_reply": "A new kettle today? Perfect."})
    scenario = tiny_scenario.model_copy(
        update={"remedies": [remedy(tiny_scenario, "voucher"), own]})
    line = customer(scenario).respond(
        context(["offer_remedy"], outcome=Outcome.resolved, remedy=own, after=Stage.closing))
    assert line == "A new kettle today? Perfect."


def test_unfit_remedy_gets_its_own_customer_reply(tiny_scenario: Scenario) -> None:
    voucher = remedy(tiny_scenario, "voucher")
    line = customer(tiny_scenario).respond(context(["offer_remedy"], remedy=voucher))
    assert voucher.customer_reply is not None
    assert line == voucher.customer_reply


def test_unfit_remedy_without_own_reply_gets_remedy_unfit(tiny_scenario: Scenario) -> None:
    plain = remedy(tiny_scenario, "voucher").model_copy(update={"customer_reply": None})
    line = customer(tiny_scenario).respond(context(["offer_remedy", "argue"], remedy=plain))
    assert line in tiny_scenario.lines.remedy_unfit


def test_fitting_remedy_while_too_angry_is_too_early(tiny_scenario: Scenario) -> None:
    line = customer(tiny_scenario).respond(
        context(["offer_remedy"], remedy=remedy(tiny_scenario, "resend"), after=Stage.venting))
    assert line in tiny_scenario.lines.remedy_too_early


# --------------------------------------------------------------------------- reactions, facts


def test_reacts_to_harmful_signals_first(tiny_scenario: Scenario) -> None:
    line = customer(tiny_scenario).respond(
        context(["apologize", "reflect", "ask_question", "argue"]))
    assert line in tiny_scenario.lines.reactions["argue"]


def test_harmful_reaction_does_not_reveal_a_fact(tiny_scenario: Scenario) -> None:
    engine = customer(tiny_scenario)
    engine.respond(context(["ask_question", "argue"]))
    assert engine.revealed == set()
    first_fact = next(f for f in tiny_scenario.facts if f.revealed == "asked")
    assert engine.respond(context(["ask_question"])) == first_fact.customer_line


def test_harmful_signal_without_lines_falls_through(tiny_scenario: Scenario) -> None:
    assert "dismissive" not in tiny_scenario.lines.reactions
    line = customer(tiny_scenario).respond(context(["dismissive"], after=Stage.venting))
    assert line in tiny_scenario.lines.stages[Stage.venting]


def test_reveals_asked_facts_once_each_in_order(tiny_scenario: Scenario) -> None:
    asked = [f for f in tiny_scenario.facts if f.revealed == "asked"]
    assert len(asked) == 2
    engine = customer(tiny_scenario)
    said = [engine.respond(context(["ask_question"], turn=t)) for t in (1, 2, 3, 4)]
    assert said[:2] == [f.customer_line for f in asked]
    assert engine.revealed == {f.id for f in asked}
    # once every fact is out, questions get ordinary lines and no fact line again
    assert not {said[2], said[3]} & {f.customer_line for f in asked}
    assert said[2] in tiny_scenario.lines.stages[Stage.explaining]


def test_briefing_facts_are_never_revealed_as_answers(tiny_scenario: Scenario) -> None:
    engine = customer(tiny_scenario)
    for t in range(1, 5):
        engine.respond(context(["ask_question"], turn=t))
    briefing = {f.id for f in tiny_scenario.facts if f.revealed == "briefing"}
    assert not engine.revealed & briefing


def test_asking_beats_acknowledging(tiny_scenario: Scenario) -> None:
    line = customer(tiny_scenario).respond(context(["apologize", "ask_question"]))
    assert line == tiny_scenario.facts[1].customer_line


@pytest.mark.parametrize("signal", ["apologize", "reflect"])
def test_acknowledges_helpful_behaviour(tiny_scenario: Scenario, signal: str) -> None:
    line = customer(tiny_scenario).respond(context([signal]))
    assert line in tiny_scenario.lines.reactions[signal]


def test_reflect_is_acknowledged_before_apology(tiny_scenario: Scenario) -> None:
    line = customer(tiny_scenario).respond(context(["apologize", "reflect"]))
    assert line in tiny_scenario.lines.reactions["reflect"]


def test_acknowledgement_adds_a_line_for_a_new_stage(tiny_scenario: Scenario) -> None:
    line = customer(tiny_scenario).respond(
        context(["reflect"], before=Stage.venting, after=Stage.negotiating))
    reaction = tiny_scenario.lines.reactions["reflect"][0]
    assert line.startswith(reaction + " ")
    assert line.removeprefix(reaction + " ") in tiny_scenario.lines.stages[Stage.negotiating]


def test_stage_line_when_nothing_specific(tiny_scenario: Scenario) -> None:
    for stage in (Stage.venting, Stage.explaining, Stage.negotiating):
        line = customer(tiny_scenario).respond(context([], before=stage, after=stage))
        assert line in tiny_scenario.lines.stages[stage]


def test_single_reaction_line_is_not_repeated(tiny_scenario: Scenario) -> None:
    assert len(tiny_scenario.lines.reactions["reflect"]) == 1
    engine = customer(tiny_scenario)
    first = engine.respond(context(["reflect"]))
    second = engine.respond(context(["reflect"]))
    assert first != second
    assert second in tiny_scenario.lines.stages[Stage.explaining]


def test_wrap_up_is_a_closing_line(tiny_scenario: Scenario) -> None:
    engine = customer(tiny_scenario)
    engine.respond(context(["offer_remedy"], outcome=Outcome.resolved,
                           remedy=remedy(tiny_scenario, "resend"), after=Stage.closing))
    assert engine.wrap_up("Thanks for your patience.") in tiny_scenario.lines.stages[Stage.closing]


def test_prefers_unused_lines(tiny_scenario: Scenario) -> None:
    engine = customer(tiny_scenario)
    pool = tiny_scenario.lines.stages[Stage.venting]
    said = [engine.respond(context([], before=Stage.venting, after=Stage.venting))
            for _ in pool]
    assert sorted(said) == sorted(pool)


def test_same_seed_same_lines(tiny_scenario: Scenario) -> None:
    contexts = [context([], before=Stage.venting, after=Stage.venting) for _ in range(6)]
    runs = []
    for _ in range(2):
        engine = customer(tiny_scenario, seed=3)
        runs.append([engine.respond(c) for c in contexts])
    assert runs[0] == runs[1]


# --------------------------------------------------------------------------- long sessions

POOL = [
    "I'm so sorry about this.",
    "I can see how frustrating this must be.",
    "Could you tell me what happened?",
    "What would help most right now?",
    "Thank you for telling me.",
    "I'll personally look into this for you.",
    "You're wrong, that's not what happened.",
    "That's not my department, you'll need to call them.",
    "Our policy says we can't do that.",
    "Calm down, it's not a big deal.",
    "Okay.",
    "Let me check.",
]


def patient(scenario: Scenario) -> Scenario:
    """The scenario with a customer who never ends the call early, for 40-turn sessions.

    model_copy skips validation on purpose: the thresholds lie outside 0..100 so that
    neither walking out, escalating nor accepting a remedy can end the call.
    """
    mood = scenario.mood.model_copy(update={"walk_out_at": 101.0, "escalate_at": 101.0,
                                            "accept_at": -1.0})
    return scenario.model_copy(update={"mood": mood, "turn_limit": 40})


def long_sessions(
    library: Library, detector: SignalDetector, *, keep_going: bool
) -> Iterator[PracticeSession]:
    """Every shipped scenario, several seeds, 40 random replies each (fewer if it ends)."""
    assert library.catalogue is not None
    for shipped in library.scenarios.values():
        scenario = patient(shipped) if keep_going else shipped
        rubrics = [library.rubrics[r] for r in scenario.rubrics]
        pool = [*POOL, *scenario.examples.model.replies, *scenario.examples.poor.replies]
        for seed in range(4):
            pick = random.Random(seed)
            session = PracticeSession(scenario, rubrics, library.catalogue, detector, seed=seed)
            session.play(pick.choice(pool) for _ in range(40))
            if keep_going:
                assert len(session.turns) == 40, (scenario.id, session.outcome)
            yield session


@pytest.fixture(scope="module", params=[False, True], ids=["shipped", "patient"])
def played(request: pytest.FixtureRequest, library: Library,
           detector: SignalDetector) -> list[PracticeSession]:
    """The long sessions, played once per module for both tests below."""
    return list(long_sessions(library, detector, keep_going=request.param))


@pytest.mark.slow
def test_never_repeats_previous_line_in_long_sessions(
    library: Library, played: list[PracticeSession]
) -> None:
    sessions = played
    assert len(sessions) == 4 * len(library.scenarios) > 0
    for session in sessions:
        lines = [session.opening, *(t.customer for t in session.turns)]
        assert all(lines), session.scenario.id
        for earlier, later in itertools.pairwise(lines):
            assert earlier != later, (session.scenario.id, session.seed, later)


@pytest.mark.slow
def test_every_line_comes_from_the_scenario_and_facts_are_consistent(
    played: list[PracticeSession],
) -> None:
    for session in played:
        scenario = session.scenario
        asked = [f for f in scenario.facts if f.revealed == "asked"]
        fact_lines = {f.customer_line: f for f in asked}
        revealed: list[str] = []
        for t in session.turns:
            assert from_scenario(scenario, t.customer), (scenario.id, t.customer)
            if t.customer in fact_lines:
                assert "ask_question" in t.fired(), (scenario.id, t.index)
                revealed.append(fact_lines[t.customer].id)
        # each fact at most once (the order follows what the questions were about)
        assert len(revealed) == len(set(revealed)), (scenario.id, revealed)


# --------------------------------------------------------------------------- match_remedy


def test_match_remedy_first_match_in_file_order(tiny_scenario: Scenario) -> None:
    reply = "I can send a replacement kettle, or a voucher if you prefer."
    found = match_remedy(tiny_scenario, reply, ["offer_remedy"])
    assert found is not None and found.id == "voucher"
    reordered = tiny_scenario.model_copy(update={"remedies": list(reversed(
        tiny_scenario.remedies))})
    found = match_remedy(reordered, reply, ["offer_remedy"])
    assert found is not None and found.id == "resend"


def test_match_remedy_only_when_offer_remedy_fired(tiny_scenario: Scenario) -> None:
    reply = "I'll send a replacement kettle today."
    assert match_remedy(tiny_scenario, reply, ["apologize", "take_ownership"]) is None
    found = match_remedy(tiny_scenario, reply, ["offer_remedy"])
    assert found is not None and found.id == "resend" and found.fits


def test_match_remedy_none_when_no_pattern_matches(tiny_scenario: Scenario) -> None:
    assert match_remedy(tiny_scenario, "I'll give you a refund.", ["offer_remedy"]) is None


def test_match_remedy_is_case_insensitive(tiny_scenario: Scenario) -> None:
    found = match_remedy(tiny_scenario, "A VOUCHER for you.", ["offer_remedy"])
    assert found is not None and found.id == "voucher"


def test_match_remedy_straightens_curly_apostrophes(tiny_scenario: Scenario) -> None:
    resend = Remedy(id="resend", label="Resend", recognise=["we'll resend"], fits=True)
    scenario = tiny_scenario.model_copy(update={"remedies": [resend]})
    found = match_remedy(scenario, "We\u2019ll resend it now.", ["offer_remedy"])
    assert found is not None and found.id == "resend"


# --------------------------------------------------------------------------- registry


def test_create_engine_unknown_name_lists_known_engines(tiny_scenario: Scenario) -> None:
    with pytest.raises(KeyError) as info:
        create_engine("no_such_engine", tiny_scenario, random.Random(0))
    message = str(info.value)
    assert "no_such_engine" in message
    assert "scripted" in message


def test_create_engine_builds_the_scripted_customer(tiny_scenario: Scenario) -> None:
    engine = create_engine("scripted", tiny_scenario, random.Random(0))
    assert isinstance(engine, ScriptedCustomer)
    assert engine.opening() == tiny_scenario.opening_line


class EchoCustomer:
    """A tiny fake engine: repeats the reply back."""

    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        self.scenario = scenario

    def opening(self) -> str:
        return "fake opening"

    def respond(self, context: CustomerContext) -> str:
        return f"echo {context.turn}: {context.reply}"

    def wrap_up(self, reply: str) -> str:
        return "fake goodbye"


@pytest.fixture
def fake_engine() -> Iterator[str]:
    name = "test_fake_echo"
    assert name not in ENGINES
    register_engine(name)(EchoCustomer)
    yield name
    ENGINES.pop(name, None)


def test_register_engine_adds_an_engine_a_session_can_use(
    fake_engine: str, tiny_scenario: Scenario, tiny_rubric: Rubric,
    catalogue: SignalCatalogue, detector: SignalDetector,
) -> None:
    assert fake_engine in ENGINES
    session = PracticeSession(tiny_scenario, [tiny_rubric], catalogue, detector,
                              engine_name=fake_engine)
    assert session.opening == "fake opening"
    result = session.submit("Could you tell me more?")
    assert result.turn.customer == "echo 1: Could you tell me more?"
    assert result.turn.prompt == "fake opening"
    with pytest.raises(KeyError) as info:
        create_engine("nope", tiny_scenario, random.Random(0))
    assert fake_engine in str(info.value)



def test_match_remedy_prefers_the_sentence_that_makes_the_offer(tiny_scenario: Scenario) -> None:
    # The unfit voucher is only mentioned; the offer is in the second sentence.
    reply = "A voucher won't cut it, I know. I'll send a replacement kettle today."
    found = match_remedy(tiny_scenario, reply, ["offer_remedy"], ["I'll send"])
    assert found is not None and found.id == "resend"
    # Without evidence the whole reply is searched and file order decides.
    assert match_remedy(tiny_scenario, reply, ["offer_remedy"]).id == "voucher"  # type: ignore[union-attr]


def test_a_question_about_a_later_fact_reveals_that_fact(tiny_scenario: Scenario) -> None:
    engine = customer(tiny_scenario)
    second = [f for f in tiny_scenario.facts if f.revealed == "asked"][1]
    ask = context(["ask_question"])
    about_second = CustomerContext("Is this the second parcel that was late this month?",
                                   ask.fired, ask.before, ask.after, None, 1)
    assert engine.respond(about_second) == second.customer_line
    assert engine.revealed == {second.id}
