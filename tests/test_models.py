"""The validators on the content models: every rule a trainer's file must follow."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from simulator.models import (
    Criterion,
    Cue,
    Fact,
    MoodParams,
    Remedy,
    Rubric,
    Rule,
    Scenario,
    ScriptedLines,
    SignalCatalogue,
    SignalSpec,
    Stage,
)

SOURCE = "000_005245b99a1c1640.txt"
RULE_KINDS: dict[str, Any] = {
    "any_of": ["apologize"],
    "all_of": ["apologize", "thank"],
    "never": ["argue"],
    "before": {"first": "reflect", "then": "offer_remedy"},
}

# --------------------------------------------------------------------------- builders


def criterion_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "say_sorry",
        "label": "Say sorry",
        "description": "Apologises for the trouble.",
        "source": SOURCE,
        "weight": 10,
        "rule": {"any_of": ["apologize"]},
        "tip": "Say sorry.",
        "model_phrasing": "I'm sorry.",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def rubric_data(*criteria: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "r",
        "title": "R",
        "method": "test",
        "description": "A rubric.",
        "sources": [SOURCE],
        "pass_mark": 60,
        "criteria": list(criteria) or [criterion_data()],
    }


def signal_data(signal_id: str = "apologize", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": signal_id,
        "label": signal_id.title(),
        "description": "A behaviour.",
        "polarity": "helpful",
        "cues": [{"pattern": r"\bsorry\b"}],
        "examples": {"fires": ["I'm sorry."], "quiet": ["Hello."]},
    }
    data.update(over)
    return data


def catalogue_data(*signals: dict[str, Any]) -> dict[str, Any]:
    return {"negation_words": ["not"], "signals": list(signals) or [signal_data()]}


def lines_data() -> dict[str, Any]:
    return {
        "stages": {
            "venting": ["Where is it?", "I paid for it."],
            "explaining": ["It was a gift.", "I was in all day."],
            "negotiating": ["So what now?", "What can you do?"],
            "closing": ["Thanks.", "Great."],
        },
        "remedy_accepted": ["Fine."],
        "remedy_too_early": ["Not yet."],
        "remedy_unfit": ["No."],
        "escalated": ["Manager, now."],
        "walked_out": ["Bye."],
        "turn_limit": ["I have to go."],
    }


SCENARIO: dict[str, Any] = {
    "id": "parcel",
    "title": "Missing parcel",
    "industry": "retail",
    "difficulty": "easy",
    "briefing": "A parcel has not arrived.",
    "persona": {
        "name": "Pat",
        "temperament": "blunt",
        "background": "Ordered a kettle.",
        "angered_by": ["excuses"],
        "calmed_by": ["a new parcel"],
    },
    "facts": [{"id": "late", "text": "It is late."}],
    "wants": "A new kettle.",
    "remedies": [
        {"id": "voucher", "label": "Voucher", "recognise": ["voucher"], "fits": False},
        {"id": "resend", "label": "Resend", "recognise": ["resend"], "fits": True},
    ],
    "opening_line": "Where is my kettle?",
    "lines": lines_data(),
    "mood": {"initial": 70},
    "turn_limit": 6,
    "rubrics": ["blast"],
    "examples": {"model": {"replies": ["Sorry."]}, "poor": {"replies": ["No."]}},
}


def scenario_data() -> dict[str, Any]:
    return copy.deepcopy(SCENARIO)


def errors_of(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    """The pydantic errors validating `data` raises (fails the test if it validates)."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return [dict(e) for e in info.value.errors(include_url=False)]


def messages(model: type[BaseModel], data: Any) -> str:
    return "\n".join(str(e["msg"]) for e in errors_of(model, data))


def test_builders_are_valid() -> None:
    """The baselines validate, so every failure below is caused by the one change made."""
    Criterion.model_validate(criterion_data())
    Rubric.model_validate(rubric_data())
    SignalCatalogue.model_validate(catalogue_data())
    Scenario.model_validate(scenario_data())


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("kind", sorted(RULE_KINDS))
def test_rule_with_exactly_one_kind_is_valid(kind: str) -> None:
    rule = Rule.model_validate({kind: RULE_KINDS[kind]})
    assert rule.kind == kind


def test_rule_with_no_kind_is_rejected() -> None:
    text = messages(Rule, {"within_first": 2})
    assert "exactly one of any_of, all_of, never, before" in text
    assert "found none" in text


@pytest.mark.parametrize(
    ("first", "second"),
    [("any_of", "never"), ("all_of", "before"), ("any_of", "all_of"), ("never", "before")],
)
def test_rule_with_two_kinds_is_rejected(first: str, second: str) -> None:
    text = messages(Rule, {first: RULE_KINDS[first], second: RULE_KINDS[second]})
    assert "exactly one" in text
    found = [k for k in ("any_of", "all_of", "never", "before") if k in (first, second)]
    assert f"found {', '.join(found)}" in text


def test_rule_with_all_four_kinds_is_rejected() -> None:
    assert "found any_of, all_of, never, before" in messages(Rule, RULE_KINDS)


def test_rule_signal_ids() -> None:
    assert Rule.model_validate({"before": RULE_KINDS["before"]}).signal_ids() == [
        "reflect", "offer_remedy"]
    assert Rule.model_validate({"all_of": ["apologize", "thank"]}).signal_ids() == [
        "apologize", "thank"]
    assert Rule.model_validate({"never": ["argue"]}).signal_ids() == ["argue"]


@pytest.mark.parametrize("extra", [{"within_first": 0}, {"min_turns": 0}])
def test_rule_counts_must_be_positive(extra: dict[str, int]) -> None:
    errors = errors_of(Rule, {"any_of": ["apologize"], **extra})
    assert [e["loc"] for e in errors] == [tuple(extra)]


def test_rule_signal_ids_must_be_identifiers() -> None:
    errors = errors_of(Rule, {"any_of": ["Apologize"]})
    assert errors[0]["loc"] == ("any_of", 0)
    assert errors[0]["type"] == "string_pattern_mismatch"


# --------------------------------------------------------------------------- criteria


def test_critical_is_allowed_on_never() -> None:
    criterion = Criterion.model_validate(
        criterion_data(rule={"never": ["argue"]}, critical=True, penalty=5))
    assert criterion.critical
    assert criterion.penalty == 5


@pytest.mark.parametrize("kind", ["any_of", "all_of", "before"])
def test_critical_is_rejected_on_other_rule_kinds(kind: str) -> None:
    text = messages(Criterion, criterion_data(rule={kind: RULE_KINDS[kind]}, critical=True))
    assert "only 'never' rules can be critical" in text


def test_critical_is_rejected_without_a_rule() -> None:
    data = criterion_data(rule=None, observable="trainer_review", critical=True)
    assert "only 'never' rules can be critical" in messages(Criterion, data)


def test_chat_criterion_needs_a_rule() -> None:
    assert "needs a rule" in messages(Criterion, criterion_data(rule=None))
    # chat is the default, so leaving `observable` out is the same as writing it
    assert "needs a rule" in messages(Criterion, criterion_data(rule=None, observable="chat"))


@pytest.mark.parametrize("observable", ["trainer_review", "reflection"])
def test_after_call_criteria_must_not_have_a_rule(observable: str) -> None:
    text = messages(Criterion, criterion_data(observable=observable))
    assert f"observed by {observable} cannot have a rule" in text
    criterion = Criterion.model_validate(criterion_data(observable=observable, rule=None))
    assert criterion.rule is None


def test_criterion_observable_must_be_known() -> None:
    errors = errors_of(Criterion, criterion_data(observable="telepathy"))
    assert errors[0]["loc"] == ("observable",)


@pytest.mark.parametrize(
    ("field", "value"),
    [("weight", 0), ("weight", 101), ("penalty", 0), ("source", "blast.txt"), ("id", "Say sorry")],
)
def test_criterion_field_limits(field: str, value: Any) -> None:
    errors = errors_of(Criterion, criterion_data(**{field: value}))
    assert [e["loc"] for e in errors] == [(field,)]


# --------------------------------------------------------------------------- facts


def test_asked_fact_needs_a_customer_line() -> None:
    text = messages(Fact, {"id": "f", "text": "T", "revealed": "asked"})
    assert "needs a customer_line" in text
    assert "needs a customer_line" in messages(
        Fact, {"id": "f", "text": "T", "revealed": "asked", "customer_line": ""})
    # whitespace is stripped, so a blank line is as good as none
    assert "needs a customer_line" in messages(
        Fact, {"id": "f", "text": "T", "revealed": "asked", "customer_line": "   "})


def test_asked_fact_with_a_line_and_briefing_fact_without_one_are_valid() -> None:
    asked = Fact.model_validate(
        {"id": "f", "text": "T", "revealed": "asked", "customer_line": "Well, yes."})
    assert asked.customer_line == "Well, yes."
    briefing = Fact.model_validate({"id": "g", "text": "T"})
    assert briefing.revealed == "briefing"
    assert briefing.customer_line is None


# --------------------------------------------------------------------------- scripted lines


def test_every_stage_with_two_distinct_lines_is_valid() -> None:
    lines = ScriptedLines.model_validate(lines_data())
    assert set(lines.stages) == set(Stage)


@pytest.mark.parametrize("stage", [s.value for s in Stage])
def test_a_stage_with_one_line_is_rejected(stage: str) -> None:
    data = lines_data()
    data["stages"][stage] = data["stages"][stage][:1]
    text = messages(ScriptedLines, data)
    assert f"too few for: {stage}" in text


def test_a_stage_repeating_the_same_line_is_rejected() -> None:
    data = lines_data()
    data["stages"]["closing"] = ["Thanks.", "Thanks."]
    assert "too few for: closing" in messages(ScriptedLines, data)


def test_a_missing_stage_is_rejected_and_every_thin_stage_is_named() -> None:
    data = lines_data()
    del data["stages"]["negotiating"]
    data["stages"]["venting"] = ["Only one."]
    text = messages(ScriptedLines, data)
    assert "too few for: venting, negotiating" in text


def test_an_unknown_stage_is_rejected() -> None:
    data = lines_data()
    data["stages"]["sulking"] = ["Hmph.", "Whatever."]
    errors = errors_of(ScriptedLines, data)
    assert errors[0]["loc"][:2] == ("stages", "sulking")


@pytest.mark.parametrize("field", ["remedy_accepted", "escalated", "walked_out", "turn_limit"])
def test_ending_lines_need_at_least_one_line(field: str) -> None:
    data = lines_data()
    data[field] = []
    assert [e["loc"] for e in errors_of(ScriptedLines, data)] == [(field,)]


# --------------------------------------------------------------------------- mood


def test_default_mood_thresholds_are_ordered() -> None:
    mood = MoodParams.model_validate({"initial": 50})
    assert mood.accept_at < mood.escalate_at <= mood.walk_out_at
    assert mood.negotiating_below <= mood.venting_above


@pytest.mark.parametrize(
    "over",
    [
        {"accept_at": 85, "escalate_at": 85},
        {"accept_at": 90, "escalate_at": 85},
        {"escalate_at": 95, "walk_out_at": 90},
    ],
)
def test_mood_thresholds_out_of_order_are_rejected(over: dict[str, float]) -> None:
    text = messages(MoodParams, {"initial": 50, **over})
    assert "accept_at < escalate_at <= walk_out_at" in text


def test_escalate_at_may_equal_walk_out_at() -> None:
    mood = MoodParams.model_validate({"initial": 50, "escalate_at": 90, "walk_out_at": 90})
    assert mood.escalate_at == mood.walk_out_at == 90


def test_negotiating_below_must_not_exceed_venting_above() -> None:
    text = messages(MoodParams, {"initial": 50, "negotiating_below": 71, "venting_above": 70})
    assert "negotiating_below must not exceed venting_above" in text
    same = MoodParams.model_validate({"initial": 50, "negotiating_below": 60, "venting_above": 60})
    assert same.negotiating_below == same.venting_above


@pytest.mark.parametrize(
    ("field", "value"),
    [("initial", -1), ("initial", 101), ("jitter", 11), ("fitting_remedy_bonus", 1),
     ("unfit_remedy_penalty", -1), ("early_remedy_factor", 1.5), ("escalate_after", 0)],
)
def test_mood_field_limits(field: str, value: float) -> None:
    data = {"initial": 50, field: value}
    assert (field,) in [e["loc"] for e in errors_of(MoodParams, data)]


def test_mood_weights_keys_must_be_identifiers() -> None:
    errors = errors_of(MoodParams, {"initial": 50, "weights": {"Argue": 5}})
    assert errors[0]["loc"][:2] == ("weights", "Argue")


# --------------------------------------------------------------------------- scenarios


def test_a_scenario_needs_a_fitting_remedy() -> None:
    data = scenario_data()
    for remedy in data["remedies"]:
        remedy["fits"] = False
    assert "at least one remedy must fit" in messages(Scenario, data)


def test_one_fitting_remedy_among_unfitting_ones_is_enough() -> None:
    scenario = Scenario.model_validate(scenario_data())
    assert [r.fits for r in scenario.remedies] == [False, True]


@pytest.mark.parametrize(
    ("field", "value"),
    [("industry", "space"), ("difficulty", "impossible"), ("turn_limit", 1),
     ("turn_limit", 41), ("rubrics", []), ("facts", []), ("remedies", [])],
)
def test_scenario_field_limits(field: str, value: Any) -> None:
    data = scenario_data()
    data[field] = value
    assert [e["loc"][0] for e in errors_of(Scenario, data)] == [field]


# --------------------------------------------------------------------------- regexes


def test_bad_cue_regex_is_rejected() -> None:
    assert "not a valid regular expression" in messages(Cue, {"pattern": r"\b(sorry"})


def test_cue_pattern_must_be_lower_case_but_escapes_are_fine() -> None:
    assert "lower case" in messages(Cue, {"pattern": r"\bSorry\b"})
    assert Cue.model_validate({"pattern": r"\bsorry\S*\B"}).pattern == r"\bsorry\S*\B"


@pytest.mark.parametrize("field", ["vetoes", "vetoes_anywhere"])
def test_bad_veto_regex_is_rejected(field: str) -> None:
    errors = errors_of(SignalSpec, signal_data(**{field: [r"\bok\b", "[unclosed"]}))
    assert "not a valid regular expression" in str(errors[0]["msg"])
    assert errors[0]["loc"] == (field,)


def test_bad_remedy_regex_is_rejected() -> None:
    data = {"id": "x", "label": "X", "recognise": ["refund", "(?P<oops"], "fits": True}
    assert "not a valid regular expression" in messages(Remedy, data)


def test_bad_remedy_regex_inside_a_scenario_is_located() -> None:
    data = scenario_data()
    data["remedies"][1]["recognise"] = ["*resend"]
    errors = errors_of(Scenario, data)
    assert errors[0]["loc"] == ("remedies", 1, "recognise")


# --------------------------------------------------------------------------- unknown keys


def _with_extra(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    target: Any = data
    for part in path:
        target = target[part]
    target["colour"] = "red"
    return data


@pytest.mark.parametrize(
    ("model", "data", "path"),
    [
        (Scenario, scenario_data(), ()),
        (Scenario, scenario_data(), ("persona",)),
        (Scenario, scenario_data(), ("facts", 0)),
        (Scenario, scenario_data(), ("remedies", 1)),
        (Scenario, scenario_data(), ("mood",)),
        (Scenario, scenario_data(), ("lines",)),
        (Scenario, scenario_data(), ("examples", "model")),
        (Rubric, rubric_data(), ()),
        (Rubric, rubric_data(), ("criteria", 0)),
        (Rubric, rubric_data(), ("criteria", 0, "rule")),
        (SignalCatalogue, catalogue_data(), ()),
        (SignalCatalogue, catalogue_data(), ("signals", 0)),
        (SignalCatalogue, catalogue_data(), ("signals", 0, "cues", 0)),
    ],
)
def test_unknown_keys_are_rejected(
    model: type[BaseModel], data: dict[str, Any], path: tuple[str | int, ...]
) -> None:
    errors = errors_of(model, _with_extra(data, *path))
    assert [(e["type"], e["loc"]) for e in errors] == [("extra_forbidden", (*path, "colour"))]


def test_before_rule_rejects_unknown_keys() -> None:
    errors = errors_of(Rule, {"before": {"first": "reflect", "than": "offer_remedy"}})
    kinds = {(e["type"], e["loc"]) for e in errors}
    assert ("extra_forbidden", ("before", "than")) in kinds
    assert ("missing", ("before", "then")) in kinds


# --------------------------------------------------------------------------- duplicate ids


def test_duplicate_criterion_ids_in_a_rubric_are_rejected() -> None:
    data = rubric_data(criterion_data(), criterion_data(id="other"), criterion_data())
    text = messages(Rubric, data)
    assert "criteria.2.id: duplicate criterion id 'say_sorry'" in text


def test_distinct_criterion_ids_are_fine() -> None:
    rubric = Rubric.model_validate(rubric_data(criterion_data(), criterion_data(id="other")))
    assert [c.id for c in rubric.criteria] == ["say_sorry", "other"]


def test_duplicate_signal_ids_in_the_catalogue_are_rejected() -> None:
    data = catalogue_data(signal_data("thank"), signal_data("apologize"), signal_data("thank"))
    assert "signals.2.id: duplicate signal id 'thank'" in messages(SignalCatalogue, data)


def test_catalogue_ids_and_get() -> None:
    catalogue = SignalCatalogue.model_validate(
        catalogue_data(signal_data("thank"), signal_data("apologize")))
    assert catalogue.ids() == ["thank", "apologize"]
    assert catalogue.get("apologize").id == "apologize"
    with pytest.raises(KeyError):
        catalogue.get("argue")


def test_signal_examples_accept_plain_strings() -> None:
    spec = SignalSpec.model_validate(
        signal_data(examples={"fires": ["Sorry!", {"reply": "Sorry.", "customer": "Hm"}],
                              "quiet": ["Hi."]}))
    assert [(e.reply, e.customer) for e in spec.examples.fires] == [
        ("Sorry!", ""), ("Sorry.", "Hm")]


def test_signal_examples_need_both_kinds() -> None:
    errors = errors_of(SignalSpec, signal_data(examples={"fires": ["Sorry."], "quiet": []}))
    assert [e["loc"] for e in errors] == [("examples", "quiet")]
