"""Signal detection: the hard cases real replies bring, evidence, and a quality floor."""

from __future__ import annotations

import json

import pytest

from simulator.models import SignalCatalogue
from simulator.signals import DETECTOR_KINDS, SignalDetector, split_sentences, stem
from tests.conftest import DATA

REQUIRED = {
    "apologize", "empathize", "reflect", "ask_question", "offer_remedy", "take_ownership",
    "thank", "argue", "pass_the_buck", "quote_policy", "dismissive",
}


def fired(detector: SignalDetector, reply: str, customer: str = "") -> set[str]:
    return {s for s, v in detector.detect(reply, customer).items() if v.present}


def test_catalogue_has_every_required_signal(catalogue: SignalCatalogue) -> None:
    assert set(catalogue.ids()) >= REQUIRED


def test_every_verdict_has_the_contract_shape(any_detector: SignalDetector) -> None:
    verdicts = any_detector.detect("Sorry! I'll refund it.", "You charged me twice.")
    assert set(verdicts) >= REQUIRED
    for verdict in verdicts.values():
        assert 0.0 <= verdict.confidence <= 1.0
        assert verdict.present == (verdict.confidence >= 0.5)
        assert verdict.evidence == [] or verdict.present


@pytest.mark.parametrize(
    ("reply", "present", "absent"),
    [
        ("I'm not sorry, that's how it works.", set(), {"apologize"}),
        ("Sorry, but that's your problem.", {"dismissive"}, {"apologize"}),
        ("I won't argue with you, you're right.", set(), {"argue", "dismissive"}),
        ("Policy says 30 days but I'll make an exception and refund it.",
         {"offer_remedy"}, {"quote_policy"}),
        ("I'm not going to pass you around, I'll sort it myself.",
         {"take_ownership"}, {"pass_the_buck"}),
        ("Sorry you feel that way.", {"dismissive"}, {"apologize"}),
        ("Did you even read the terms?", {"argue"}, {"ask_question"}),
        ("Thanks for nothing.", set(), {"thank"}),
        ("I understand, but rules are rules.", {"quote_policy"}, {"empathize"}),
    ],
)
def test_near_misses(any_detector: SignalDetector, reply: str, present: set[str],
                     absent: set[str]) -> None:
    found = fired(any_detector, reply)
    assert present <= found, found
    assert not (absent & found), found


@pytest.mark.parametrize(
    "reply",
    ["I'M SO SORRY ABOUT THIS", "im really sorry abt that", "I’m sorry about that",
     "so sory about the delay", "my appologies for the wait"],
)
def test_casing_contractions_and_light_typos(any_detector: SignalDetector, reply: str) -> None:
    assert "apologize" in fired(any_detector, reply)


def test_several_sentences_apologise_then_argue(any_detector: SignalDetector) -> None:
    reply = "I'm sorry for the wait. But you should have read the booking terms."
    found = fired(any_detector, reply)
    assert {"apologize", "argue"} <= found


def test_evidence_quotes_the_original_words(any_detector: SignalDetector) -> None:
    reply = "We’re SO sorry. You should have checked the box though."
    verdicts = any_detector.detect(reply)
    assert any("SO sorry" in quote for quote in verdicts["apologize"].evidence)
    assert all(quote in reply for v in verdicts.values() for quote in v.evidence)


def test_reflect_needs_the_customers_specifics(any_detector: SignalDetector,
                                               request: pytest.FixtureRequest) -> None:
    if any_detector.encoder is not None:
        # A known error, kept visible: the encoder reads this bare restatement of the
        # customer's figures as correcting them (reflect 0.11, argue 0.83), which pulls the
        # average under the threshold. Strict, so it is noticed when a retrain fixes it.
        request.applymarker(pytest.mark.xfail(strict=True, reason="encoder misreads bare echo"))
    customer = "You took £48.50 twice on the 3rd and now I'm overdrawn!"
    echo = "So £48.50 was taken twice on the 3rd and it left you overdrawn."
    generic = "I hear what you are saying about this."
    assert "reflect" in fired(any_detector, echo, customer)
    assert "reflect" not in fired(any_detector, generic, customer)
    assert "reflect" not in fired(any_detector, echo, "My router never arrived.")


def test_number_words_and_amounts_meet(detector: SignalDetector) -> None:
    customer = "Sixteen days and my parcel, order 40192, still hasn't come."
    assert "reflect" in fired(detector, "16 days for order 40192 is far too long.", customer)


def test_stem_normalises_numbers_and_endings() -> None:
    assert stem("£45.00") == stem("45") == "45"
    assert stem("twice") == "2"
    assert stem("charged") == stem("charges")
    assert stem("3rd") == "3"


def test_split_sentences_keeps_offsets() -> None:
    text = "Sorry about that! I'll fix it.\nThanks."
    parts = split_sentences(text)
    assert [p.text for p in parts] == ["Sorry about that!", "I'll fix it.", "Thanks."]
    for part in parts:
        assert text[part.start:part.start + len(part.text)] == part.text


def test_detection_is_deterministic(any_detector: SignalDetector) -> None:
    reply = "So sorry, I'll refund the £20 now. Could you confirm your address?"
    first = any_detector.detect(reply, "You charged me £20")
    assert all(any_detector.detect(reply, "You charged me £20") == first for _ in range(3))


def test_builtin_detector_kinds_are_registered() -> None:
    assert {"lexicon", "echo"} <= set(DETECTOR_KINDS)


def test_catalogue_examples_behave(catalogue: SignalCatalogue, detector: SignalDetector) -> None:
    for spec in catalogue.signals:
        for example in spec.examples.fires:
            assert spec.id in fired(detector, example.reply, example.customer), example
        for example in spec.examples.quiet:
            assert spec.id not in fired(detector, example.reply, example.customer), example


def _macro_f1(detector: SignalDetector, path: str) -> tuple[float, dict[str, float]]:
    rows = [json.loads(line) for line in (DATA / path).read_text().splitlines() if line]
    per_signal: dict[str, float] = {}
    for signal in sorted(REQUIRED):
        tp = fp = fn = 0
        for row in rows:
            got = signal in fired(detector, row["reply"], row["customer"])
            want = signal in row["signals"]
            tp += got and want
            fp += got and not want
            fn += want and not got
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_signal[signal] = 2 * precision * recall / (precision + recall) if tp else 0.0
    return sum(per_signal.values()) / len(per_signal), per_signal


@pytest.mark.parametrize(("name", "floor"), [("signals_dev.jsonl", 0.85),
                                             ("signals_dev2.jsonl", 0.80),
                                             ("signals_dev3.jsonl", 0.82)])
def test_quality_floor_on_the_development_sets(
    detector: SignalDetector, name: str, floor: float
) -> None:
    """A regression guard: lexicon edits must not quietly lose quality.

    Only the development sets are used; the held-out set is for measuring, never for tests
    that would invite tuning against it.
    """
    macro, per_signal = _macro_f1(detector, name)
    assert macro >= floor, per_signal
    assert min(per_signal.values()) >= 0.6, per_signal


def test_labelled_sets_are_well_formed() -> None:
    files = sorted(DATA.glob("signals_*.jsonl"))
    assert len([f for f in files if "holdout" not in f.name]) >= 12
    ids: set[str] = set()
    for path in files:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        assert len(rows) >= 100, path
        for row in rows:
            assert set(row) == {"id", "customer", "reply", "signals", "style", "industry"}, row
            assert set(row["signals"]) <= REQUIRED, row
            assert row["id"] not in ids, row["id"]
            ids.add(row["id"])
