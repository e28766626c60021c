"""Scoring: rule kinds, scopes, critical criteria, pass marks, evidence and live feedback.

Turns and verdicts are built by hand so that scoring is tested apart from detection.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.models import (
    Before,
    Criterion,
    Rubric,
    Rule,
    SignalVerdict,
    Turn,
)
from simulator.scoring import (
    CriterionMove,
    evaluate,
    judge_rule,
    score_rubric,
    score_transcript,
    turn_feedback,
)

SOURCE = "000_005245b99a1c1640.txt"


def turn(index: int, *signals: str, trainee: str = "", quotes: dict[str, list[str]] | None = None,
         quiet: tuple[str, ...] = ()) -> Turn:
    """A turn in which `signals` fired (with quoted words) and `quiet` were checked but absent."""
    quotes = quotes or {}
    verdicts = {s: SignalVerdict(present=True, confidence=0.9,
                                 evidence=quotes.get(s, [f"<{s} words {index}>"]))
                for s in signals}
    verdicts.update({s: SignalVerdict(present=False, confidence=0.2) for s in quiet})
    return Turn(index=index, prompt=f"customer {index}", trainee=trainee or f"reply {index}",
                signals=verdicts)


def criterion(cid: str, weight: float = 10, **fields: Any) -> Criterion:
    rule = fields.pop("rule", None)
    observable = fields.get("observable", "chat")
    return Criterion(
        id=cid, label=cid.replace("_", " ").title(), description=f"{cid} description",
        source=SOURCE, weight=weight, tip=f"tip for {cid}", model_phrasing=f"say {cid}",
        rule=Rule(**rule) if rule is not None and observable == "chat" else None, **fields,
    )


def rubric(*criteria: Criterion, rid: str = "r", pass_mark: float = 60) -> Rubric:
    return Rubric(id=rid, title=f"Rubric {rid}", method="test", description="test rubric",
                  sources=[SOURCE], pass_mark=pass_mark, criteria=list(criteria))


# --------------------------------------------------------------------------- any_of


def test_any_of_met_by_any_listed_signal() -> None:
    rule = Rule(any_of=["apologize", "empathize"])
    assert judge_rule(rule, [turn(1, "thank"), turn(2, "empathize")]).share == 1.0
    assert judge_rule(rule, [turn(1, "thank"), turn(2, "argue")]).share == 0.0


def test_any_of_ignores_signals_checked_but_absent() -> None:
    rule = Rule(any_of=["apologize"])
    assert judge_rule(rule, [turn(1, quiet=("apologize",))]).share == 0.0


def test_any_of_min_turns_partial_credit() -> None:
    c = criterion("ask_often", 30, rule={"any_of": ["ask_question"], "min_turns": 3})
    one = evaluate(c, [turn(1, "ask_question"), turn(2), turn(3)])
    assert (one.status, one.points) == ("partly", 10.0)
    two = evaluate(c, [turn(1, "ask_question"), turn(2, "ask_question")])
    assert (two.status, two.points) == ("partly", 20.0)
    four = evaluate(c, [turn(i, "ask_question") for i in range(1, 5)])
    assert (four.status, four.points) == ("met", 30.0)
    assert [e.turn for e in four.evidence] == [1, 2, 3, 4]


def test_any_of_within_first_only_counts_early_turns() -> None:
    c = criterion("sorry_early", 20, rule={"any_of": ["apologize"], "within_first": 2})
    late = evaluate(c, [turn(1), turn(2), turn(3, "apologize")])
    assert (late.status, late.points, late.evidence) == ("missed", 0.0, [])
    early = evaluate(c, [turn(1), turn(2, "apologize"), turn(3, "apologize")])
    assert (early.status, early.points) == ("met", 20.0)
    assert [e.turn for e in early.evidence] == [2]


# --------------------------------------------------------------------------- all_of


def test_all_of_met_when_every_signal_shown_on_any_turns() -> None:
    c = criterion("ask_thank", 20, rule={"all_of": ["ask_question", "thank"]})
    result = evaluate(c, [turn(1, "ask_question"), turn(2, "thank")])
    assert (result.status, result.points) == ("met", 20.0)
    assert {(e.turn, e.signal) for e in result.evidence} == {(1, "ask_question"), (2, "thank")}


def test_all_of_partial_share() -> None:
    c = criterion("three", 30, rule={"all_of": ["ask_question", "thank", "reflect"]})
    result = evaluate(c, [turn(1, "ask_question"), turn(2, "ask_question")])
    assert (result.status, result.points) == ("partly", 10.0)
    assert {e.signal for e in result.evidence} == {"ask_question"}
    two = evaluate(c, [turn(1, "ask_question", "reflect")])
    assert two.points == 20.0
    none = evaluate(c, [turn(1, "argue")])
    assert (none.status, none.points) == ("missed", 0.0)


def test_all_of_min_turns_counts_per_signal() -> None:
    rule = Rule(all_of=["ask_question", "thank"], min_turns=2)
    turns = [turn(1, "ask_question", "thank"), turn(2, "ask_question")]
    assert judge_rule(rule, turns).share == 0.5


# --------------------------------------------------------------------------- never


def test_never_full_credit_when_clean() -> None:
    c = criterion("no_argue", 30, rule={"never": ["argue"]})
    result = evaluate(c, [turn(1, "apologize"), turn(2)])
    assert (result.status, result.points, result.evidence) == ("met", 30.0, [])


def test_never_penalty_per_offending_turn() -> None:
    c = criterion("no_argue", 30, rule={"never": ["argue", "dismissive"]}, penalty=10)
    one = evaluate(c, [turn(1, "argue", "dismissive"), turn(2)])
    assert (one.status, one.points) == ("partly", 20.0)
    two = evaluate(c, [turn(1, "argue"), turn(2, "dismissive")])
    assert two.points == 10.0
    assert [(e.turn, e.signal) for e in two.evidence] == [(1, "argue"), (2, "dismissive")]


def test_never_default_penalty_is_the_weight() -> None:
    c = criterion("no_argue", 30, rule={"never": ["argue"]})
    result = evaluate(c, [turn(1, "argue"), turn(2), turn(3)])
    assert (result.status, result.points) == ("missed", 0.0)


def test_never_floors_at_zero() -> None:
    c = criterion("no_argue", 30, rule={"never": ["argue"]}, penalty=20)
    result = evaluate(c, [turn(i, "argue") for i in range(1, 5)])
    assert result.points == 0.0
    assert result.status == "missed"
    assert len(result.evidence) == 4


def test_never_on_empty_transcript_gets_no_credit() -> None:
    c = criterion("no_argue", 30, rule={"never": ["argue"]})
    result = evaluate(c, [])
    assert (result.status, result.points) == ("missed", 0.0)
    card = score_rubric(rubric(c), [])
    assert card.percent == 0.0 and not card.passed


# --------------------------------------------------------------------------- before


def test_before_met_when_first_precedes_then() -> None:
    c = criterion("listen_first", 30, rule={"before": {"first": "reflect", "then": "offer_remedy"}})
    result = evaluate(c, [turn(1, "reflect"), turn(2, "offer_remedy")])
    assert (result.status, result.points) == ("met", 30.0)
    assert [(e.turn, e.signal) for e in result.evidence] == [(1, "reflect"), (2, "offer_remedy")]


def test_before_met_on_the_same_turn() -> None:
    rule = Rule(before=Before(first="reflect", then="offer_remedy"))
    assert judge_rule(rule, [turn(1, "reflect", "offer_remedy")]).share == 1.0


def test_before_partly_when_then_never_happens() -> None:
    c = criterion("listen_first", 30, rule={"before": {"first": "reflect", "then": "offer_remedy"}})
    result = evaluate(c, [turn(1, "reflect"), turn(2)])
    assert (result.status, result.points) == ("partly", 15.0)


def test_before_missed_when_order_is_wrong() -> None:
    c = criterion("listen_first", 30, rule={"before": {"first": "reflect", "then": "offer_remedy"}})
    result = evaluate(c, [turn(1, "offer_remedy"), turn(2, "reflect"), turn(3, "offer_remedy")])
    assert (result.status, result.points) == ("missed", 0.0)
    assert {e.turn for e in result.evidence} == {1, 2, 3}


def test_before_missed_when_first_never_happens() -> None:
    rule = Rule(before=Before(first="reflect", then="offer_remedy"))
    assert judge_rule(rule, [turn(1, "offer_remedy")]).share == 0.0
    assert judge_rule(rule, [turn(1)]).share == 0.0


# --------------------------------------------------------------------------- scope


def test_turn_scope_averages_over_turns() -> None:
    c = criterion("every_turn", 40, scope="turn", rule={"any_of": ["apologize", "empathize"]})
    result = evaluate(c, [turn(1, "apologize"), turn(2), turn(3, "empathize"), turn(4)])
    assert (result.status, result.points) == ("partly", 20.0)
    assert [e.turn for e in result.evidence] == [1, 3]
    conversation = criterion("once", 40, rule={"any_of": ["apologize", "empathize"]})
    assert evaluate(conversation, [turn(1, "apologize"), turn(2)]).points == 40.0


def test_turn_scope_never_averages_penalties() -> None:
    c = criterion("calm", 20, scope="turn", rule={"never": ["argue"]})
    result = evaluate(c, [turn(1, "argue"), turn(2), turn(3), turn(4)])
    assert result.points == 15.0
    assert result.status == "partly"


def test_turn_scope_with_no_turns_scores_nothing() -> None:
    c = criterion("every_turn", 40, scope="turn", rule={"any_of": ["apologize"]})
    assert evaluate(c, []).points == 0.0


# --------------------------------------------------------------------------- rubric level


def test_critical_violation_fails_rubric_and_scorecard_whatever_the_percent() -> None:
    big = criterion("empathy", 95, rule={"any_of": ["empathize"]})
    critical = criterion("no_argue", 5, rule={"never": ["argue"]}, penalty=1, critical=True)
    r = rubric(big, critical, pass_mark=50)
    turns = [turn(1, "empathize", "argue")]
    section = score_rubric(r, turns)
    assert section.percent == 99.0
    assert not section.passed
    assert section.critical_violations == ["no_argue"]
    assert section.criteria[1].critical_violation
    card = score_transcript(turns, [r])
    assert not card.passed
    assert card.critical_violations == ["r.no_argue"]


def test_non_critical_offence_does_not_fail_by_itself() -> None:
    big = criterion("empathy", 95, rule={"any_of": ["empathize"]})
    soft = criterion("no_argue", 5, rule={"never": ["argue"]}, penalty=1)
    section = score_rubric(rubric(big, soft, pass_mark=50), [turn(1, "empathize", "argue")])
    assert section.passed and section.critical_violations == []


def test_clean_critical_criterion_is_no_violation() -> None:
    critical = criterion("no_argue", 10, rule={"never": ["argue"]}, critical=True)
    section = score_rubric(rubric(critical), [turn(1, "apologize")])
    assert section.passed and not section.criteria[0].critical_violation


def test_pending_criteria_excluded_from_percentage() -> None:
    chat = criterion("sorry", 30, rule={"any_of": ["apologize"]})
    review = criterion("follow_up", 70, observable="trainer_review")
    reflection = criterion("self_analysis", 50, observable="reflection")
    section = score_rubric(rubric(chat, review, reflection), [turn(1, "apologize")])
    assert (section.points, section.max, section.percent) == (30.0, 30.0, 100.0)
    pending = [c for c in section.criteria if c.status == "pending"]
    assert [(c.id, c.points, c.max, c.observable) for c in pending] == [
        ("follow_up", 0.0, 70, "trainer_review"), ("self_analysis", 0.0, 50, "reflection")]


def test_rubric_with_only_pending_criteria_scores_zero() -> None:
    section = score_rubric(rubric(criterion("later", 10, observable="reflection"), pass_mark=0),
                           [turn(1)])
    assert section.percent == 0.0 and section.max == 0


@pytest.mark.parametrize(("shown", "passed"), [(3, True), (2, False), (4, True)])
def test_pass_mark_boundaries(shown: int, passed: bool) -> None:
    # four equally weighted criteria: 3 of 4 is exactly 75%
    signals = ["apologize", "empathize", "reflect", "thank"]
    criteria = [criterion(s, 25, rule={"any_of": [s]}) for s in signals]
    section = score_rubric(rubric(*criteria, pass_mark=75), [turn(1, *signals[:shown])])
    assert section.percent == 25.0 * shown
    assert section.passed is passed


def test_pass_mark_just_below() -> None:
    criteria = [criterion("a", 74.9, rule={"any_of": ["apologize"]}),
                criterion("b", 25.1, rule={"any_of": ["thank"]})]
    section = score_rubric(rubric(*criteria, pass_mark=75), [turn(1, "apologize")])
    assert section.percent == 74.9
    assert not section.passed


def test_evidence_quotes_carry_turn_numbers_and_detector_words() -> None:
    c = criterion("sorry", 10, rule={"any_of": ["apologize"]})
    turns = [
        turn(1, "thank"),
        turn(2, "apologize", quotes={"apologize": ["I'm so sorry", "my apologies"]}),
        turn(3, "apologize", quotes={"apologize": []}, trainee="Sorry about it all."),
    ]
    result = evaluate(c, turns)
    assert [(e.turn, e.signal, e.quote) for e in result.evidence] == [
        (2, "apologize", "I'm so sorry; my apologies"),
        (3, "apologize", "Sorry about it all."),  # no quoted words: the whole reply
    ]


def test_scorecard_percent_aggregates_rubric_points() -> None:
    a = rubric(criterion("sorry", 10, rule={"any_of": ["apologize"]}),
               criterion("thanks", 10, rule={"any_of": ["thank"]}), rid="a", pass_mark=50)
    b = rubric(criterion("ask", 60, rule={"any_of": ["ask_question"]}),
               criterion("reflect", 20, rule={"any_of": ["reflect"]}), rid="b", pass_mark=50)
    card = score_transcript([turn(1, "apologize", "ask_question")], [a, b])
    assert [s.percent for s in card.rubrics] == [50.0, 75.0]
    # points over max across rubrics (70 of 100), not the mean of the percentages (62.5)
    assert card.percent == 70.0
    assert card.passed


def test_scorecard_fails_when_any_rubric_fails() -> None:
    a = rubric(criterion("sorry", 10, rule={"any_of": ["apologize"]}), rid="a", pass_mark=50)
    b = rubric(criterion("ask", 90, rule={"any_of": ["ask_question"]}), rid="b", pass_mark=50)
    card = score_transcript([turn(1, "ask_question")], [a, b])
    assert card.percent == 90.0
    assert not card.passed
    assert [s.passed for s in card.rubrics] == [False, True]


def test_scorecard_with_no_rubrics_does_not_pass() -> None:
    card = score_transcript([turn(1, "apologize")], [])
    assert card.percent == 0.0 and not card.passed


def test_tiny_rubric_scores_hand_built_transcript(tiny_rubric: Rubric) -> None:
    turns = [turn(1, "apologize", "reflect"), turn(2, "offer_remedy", "ask_question")]
    section = score_rubric(tiny_rubric, turns)
    by_id = {c.id: c for c in section.criteria}
    assert by_id["apologise_early"].points == 20
    assert by_id["listen_then_offer"].points == 30
    assert by_id["ask_and_thank"].points == 10
    assert by_id["no_arguing"].points == 30
    assert by_id["follow_up"].status == "pending"
    assert section.percent == 90.0 and section.passed


# --------------------------------------------------------------------------- turn feedback


def feedback_rubric() -> Rubric:
    return rubric(
        criterion("sorry_early", 20, rule={"any_of": ["apologize"], "within_first": 2}),
        criterion("listen_first", 30,
                  rule={"before": {"first": "reflect", "then": "offer_remedy"}}),
        criterion("no_argue", 30, rule={"never": ["argue"]}, penalty=15, critical=True),
        criterion("follow_up", 10, observable="trainer_review"),
        rid="fb",
    )


def test_turn_feedback_requires_a_turn() -> None:
    with pytest.raises(ValueError):
        turn_feedback([], [feedback_rubric()])


def test_turn_feedback_reports_moves_with_signs() -> None:
    r = feedback_rubric()
    turns = [turn(1, "apologize", "reflect"), turn(2, "argue", "offer_remedy")]
    first = turn_feedback(turns[:1], [r])
    assert first.turn == 1
    assert first.signals == ["apologize", "reflect"]
    assert first.moved == [
        CriterionMove("fb", "sorry_early", "Sorry Early", 20.0),
        CriterionMove("fb", "listen_first", "Listen First", 15.0),
    ]
    second = turn_feedback(turns, [r])
    assert second.turn == 2
    assert {m.criterion: m.change for m in second.moved} == {"listen_first": 15.0,
                                                             "no_argue": -15.0}


def test_turn_feedback_clean_first_turn_is_not_a_move_for_never_rules() -> None:
    fb = turn_feedback([turn(1, "thank")], [feedback_rubric()])
    assert fb.moved == []


def test_turn_feedback_arguing_on_the_first_turn_loses_points() -> None:
    fb = turn_feedback([turn(1, "argue")], [feedback_rubric()])
    changes = {m.criterion: m.change for m in fb.moved}
    assert changes == {"no_argue": -15.0}, fb.moved
    assert fb.hint == "tip for no_argue"


def test_hint_is_tip_of_what_just_lost_points() -> None:
    r = rubric(
        criterion("small_loss", 10, rule={"never": ["dismissive"]}),
        criterion("big_loss", 40, rule={"never": ["argue"]}),
        criterion("big_open", 50, rule={"any_of": ["reflect"]}),
    )
    turns = [turn(1, "thank"), turn(2, "argue", "dismissive")]
    assert turn_feedback(turns, [r]).hint == "tip for big_loss"


def test_hint_is_tip_of_heaviest_unmet_criterion_when_nothing_lost() -> None:
    r = rubric(
        criterion("light", 10, rule={"any_of": ["thank"]}),
        criterion("heavy", 40, rule={"any_of": ["reflect"], "min_turns": 2}),
        criterion("done", 60, rule={"any_of": ["apologize"]}),
        criterion("review", 90, observable="trainer_review"),
    )
    fb = turn_feedback([turn(1, "apologize", "reflect")], [r])
    # heavy is partly met (20 of 40 still open), light is missed (10 open)
    assert fb.hint == "tip for heavy"
    fb2 = turn_feedback([turn(1, "apologize", "reflect"), turn(2, "reflect")], [r])
    assert fb2.hint == "tip for light"


def test_hint_when_everything_is_met() -> None:
    r = rubric(criterion("sorry", 10, rule={"any_of": ["apologize"]}))
    fb = turn_feedback([turn(1, "apologize")], [r])
    assert fb.hint == "Good turn: keep going the same way."


def test_hint_skips_criteria_whose_window_has_passed() -> None:
    early = criterion("early", 30, rule={"any_of": ["apologize"], "within_first": 1})
    later = criterion("later", 10, rule={"any_of": ["thank"]})
    rules = [rubric(early, later)]
    # On the last turn of its window a missed criterion is still the one to coach...
    assert turn_feedback([turn(1, "reflect")], rules).hint == "tip for early"
    two_turns = [turn(1, "reflect"), turn(2, "reflect")]
    # Once the window has passed the early apology cannot be earned: coach what still can be.
    assert turn_feedback(two_turns, rules).hint == "tip for later"
