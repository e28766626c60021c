"""The learned correction: its features, its file format, and how the detector uses it."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from simulator.models import SignalCatalogue
from simulator.signal_model import (
    Head,
    SignalModel,
    fingerprint,
    ngrams,
    read_model,
    rule_features,
    write_model,
)
from simulator.signals import SignalDetector, build_detector


def tiny_model(catalogue: SignalCatalogue, words: dict[str, dict[str, float]],
               intercept: float = -4.0) -> SignalModel:
    """A hand-made model: every head is silent unless one of its listed words appears."""
    vocabulary = sorted({w for weights in words.values() for w in weights} | {"filler"})
    heads = {
        s: Head(intercept, {}, [words.get(s, {}).get(g, 0.0) for g in vocabulary])
        for s in catalogue.ids()
    }
    return SignalModel(vocabulary=vocabulary, idf=[1.0] * len(vocabulary), heads=heads,
                       rule_scale=3.0)


def test_ngrams_are_lower_case_words_and_bigrams_with_straight_apostrophes() -> None:
    assert ngrams("I DON’T know") == ["i", "don't", "know", "i don't", "don't know"]
    assert ngrams("") == []


def test_word_vector_is_unit_length_and_ignores_unknown_words(
    catalogue: SignalCatalogue,
) -> None:
    model = tiny_model(catalogue, {"argue": {"actually": 1.0, "wrong": 1.0}})
    vector = model.word_vector("Actually, actually you're WRONG and zzz")
    assert set(vector) == {model.vocabulary.index("actually"), model.vocabulary.index("wrong")}
    assert math.isclose(math.sqrt(sum(v * v for v in vector.values())), 1.0)
    assert vector[model.vocabulary.index("actually")] > vector[model.vocabulary.index("wrong")]
    assert model.word_vector("nothing known here") == {}


def test_rule_features_scale_confidence_and_presence() -> None:
    features = rule_features({"argue": 0.5, "thank": 0.0}, {"argue": True}, 2.0)
    assert features == {"rule:argue": 1.0, "fired:argue": 2.0, "rule:thank": 0.0,
                        "fired:thank": 0.0}


def test_round_trip_through_the_file(catalogue: SignalCatalogue, tmp_path: Path) -> None:
    model = tiny_model(catalogue, {"argue": {"actually": 5.0}})
    path = tmp_path / "m.json"
    write_model(model, path)
    again = read_model(path)
    assert again.vocabulary == model.vocabulary
    assert again.heads["argue"].words == model.heads["argue"].words
    reply = "Actually that is not what happened."
    assert again.probabilities(reply, {}) == pytest.approx(model.probabilities(reply, {}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"not valid JSON \(line 1\)"),
        ('{"format": 99}', "not a signal model of format 1"),
        ('{"format": 1, "vocabulary": ["a"], "idf": [1.0], "rule_scale": 3}', "malformed"),
        ('{"format": 1, "vocabulary": ["a", "b"], "idf": [1.0], "rule_scale": 3, '
         '"heads": {}}', "differ in length"),
        ("[]", "not a signal model"),
    ],
)
def test_broken_model_files_are_named_and_explained(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as raised:
        read_model(path)
    assert str(path) in str(raised.value)


def test_probabilities_are_stable_for_extreme_logits(catalogue: SignalCatalogue) -> None:
    model = tiny_model(catalogue, {"argue": {"actually": 5000.0}, "thank": {"thanks": -5000.0}})
    probabilities = model.probabilities("actually thanks", {})
    assert probabilities["argue"] == 1.0
    assert probabilities["thank"] == pytest.approx(0.0, abs=1e-20)


def test_fingerprint_follows_every_input() -> None:
    base = fingerprint("catalogue", [("a.jsonl", "x")], {"c": 1})
    assert base == fingerprint("catalogue", [("a.jsonl", "x")], {"c": 1})
    assert base != fingerprint("catalogue!", [("a.jsonl", "x")], {"c": 1})
    assert base != fingerprint("catalogue", [("a.jsonl", "y")], {"c": 1})
    assert base != fingerprint("catalogue", [("a.jsonl", "x")], {"c": 2})
    assert base != fingerprint("catalogue", [("b.jsonl", "x")], {"c": 1})


def test_model_overrides_the_rules_and_quotes_its_strongest_words(
    catalogue: SignalCatalogue,
) -> None:
    model = tiny_model(catalogue, {"argue": {"as requested": 20.0, "requested": 2.0}})
    detector = SignalDetector(catalogue, model)
    reply = "The parcel was left in your porch, As Requested."
    rules = SignalDetector(catalogue).detect(reply)
    verdicts = detector.detect(reply)
    assert not rules["argue"].present
    assert verdicts["argue"].present
    assert verdicts["argue"].evidence == [reply]
    assert all(not v.present for s, v in verdicts.items() if s != "argue")


def test_model_evidence_is_the_sentence_or_a_window_of_a_long_one(
    catalogue: SignalCatalogue,
) -> None:
    model = tiny_model(catalogue, {"argue": {"as requested": 20.0}})
    detector = SignalDetector(catalogue, model)
    short = "Thanks for waiting. It went to your porch as requested. Anything else?"
    assert detector.detect(short)["argue"].evidence == ["It went to your porch as requested."]
    long = ("We have looked at the delivery record and the driver photographed the box, which "
            "was left in the porch as requested by the person who answered the intercom at the "
            "time of delivery on Tuesday afternoon")
    quote = detector.detect(long)["argue"].evidence[0]
    assert "as requested" in quote and quote in long
    assert len(quote) <= 90 and not quote.startswith(" ")
    words = long.split()
    assert quote.split()[0] in words and quote.split()[-1] in words  # cut at word boundaries
    both = tiny_model(catalogue, {"argue": {"as requested": 20.0, "intercom": 10.0}})
    quotes = SignalDetector(catalogue, both).detect(long)["argue"].evidence
    assert len(quotes) == 1 and "as requested" in quotes[0] and "intercom" in quotes[0]


def test_model_quotes_the_rules_cues_when_they_fired(catalogue: SignalCatalogue) -> None:
    model = tiny_model(catalogue, {"apologize": {"sorry": 20.0}})
    reply = "I'm so sorry about the wait."
    verdicts = SignalDetector(catalogue, model).detect(reply)
    assert verdicts["apologize"].present
    assert verdicts["apologize"].evidence == SignalDetector(catalogue).detect(reply)[
        "apologize"].evidence != []


def test_model_can_silence_a_rule_that_fired(catalogue: SignalCatalogue) -> None:
    model = tiny_model(catalogue, {})
    verdicts = SignalDetector(catalogue, model).detect("I'm so sorry about the wait.")
    assert not verdicts["apologize"].present
    assert verdicts["apologize"].evidence == []


def test_signals_the_model_lacks_keep_the_rules_verdict(catalogue: SignalCatalogue) -> None:
    full = tiny_model(catalogue, {})
    model = dataclasses.replace(full, heads={s: h for s, h in full.heads.items() if s != "thank"})
    verdicts = SignalDetector(catalogue, model).detect("Thank you for waiting.")
    assert verdicts["thank"].present


def test_build_detector_falls_back_to_the_rules_with_a_reason(
    catalogue: SignalCatalogue, tmp_path: Path
) -> None:
    missing, problems = build_detector(catalogue, tmp_path)
    assert missing.model is None
    assert problems and "signal_model.json" in problems[0] and "rules alone" in problems[0]

    (tmp_path / "signal_model.json").write_text("{oops")
    broken, problems = build_detector(catalogue, tmp_path)
    assert broken.model is None and "not valid JSON" in problems[0]

    bare = catalogue.model_copy(update={"model": None})
    plain, problems = build_detector(bare, tmp_path)
    assert plain.model is None and problems == []


def test_build_detector_reports_heads_for_unknown_signals(
    catalogue: SignalCatalogue, tmp_path: Path
) -> None:
    model = tiny_model(catalogue, {})
    model.heads["sarcasm"] = model.heads["argue"]
    write_model(model, tmp_path / "signal_model.json")
    built, problems = build_detector(catalogue, tmp_path)
    assert built.model is not None
    assert "sarcasm" in problems[0]
    assert "sarcasm" not in built.detect("whatever")


def test_shipped_model_file_is_compact_json(catalogue: SignalCatalogue) -> None:
    from simulator import paths

    assert catalogue.model is not None
    path = paths.rubrics_dir() / catalogue.model
    data = json.loads(path.read_text())
    assert set(data["heads"]) == set(catalogue.ids())
    assert path.stat().st_size < 3_000_000
