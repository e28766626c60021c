"""The opt-in encoder: loading, batching, the average with the model, and its failures."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import paths
from simulator.checks import check_scenario_examples
from simulator.cli import cli
from simulator.encoder import (
    ENCODER_FILES,
    EncoderSettings,
    SignalEncoder,
    encoder_file_problems,
    encoder_fingerprint,
    encoder_staleness,
    read_encoder,
)
from simulator.loader import Library
from simulator.models import SignalCatalogue
from simulator.signals import SignalDetector, build_detector
from simulator.training import read_rows, training_files

SHIPPED = paths.PROJECT_ROOT / "rubrics" / ENCODER_FILES[2]

PAIRS = [
    ("I'm so sorry your parcel went missing, I'll send a replacement today.",
     "My parcel never arrived and nobody answers the phone!"),
    ("That's not our problem, talk to the courier.", "Where is my order?"),
    ("Ok.", ""),
    ("You signed the contract, so the fee stands. It says so on page 4 of the terms you "
     "accepted when you joined, which is accurate and was explained to you at the time.",
     "Why was I charged a cancellation fee? Nobody told me about it and I want it refunded."),
]


@pytest.fixture()
def encoder_copy(tmp_path: Path) -> Path:
    """The shipped encoder's three files, copied where a test may break them."""
    for name in ENCODER_FILES:
        shutil.copyfile(SHIPPED.with_name(name), tmp_path / name)
    return tmp_path / ENCODER_FILES[2]


def test_probabilities_cover_every_signal_and_stay_in_range(
        shipped_encoder: SignalEncoder, catalogue: SignalCatalogue) -> None:
    found = shipped_encoder.probabilities(PAIRS)
    assert len(found) == len(PAIRS)
    for probabilities in found:
        assert set(probabilities) == set(catalogue.ids())
        assert all(0.0 <= p <= 1.0 for p in probabilities.values())


def test_the_encoder_reads_meaning(shipped_encoder: SignalEncoder) -> None:
    apology, buck, _, argue = shipped_encoder.probabilities(PAIRS)
    assert apology["apologize"] > 0.9 and apology["offer_remedy"] > 0.5
    assert buck["pass_the_buck"] > 0.5 and buck["apologize"] < 0.1
    assert argue["argue"] > 0.5 and argue["empathize"] < 0.5


def test_a_replys_score_does_not_depend_on_its_neighbours(
        shipped_encoder: SignalEncoder) -> None:
    together = shipped_encoder.probabilities(PAIRS * 3)
    for index, pair in enumerate(PAIRS * 3):
        assert together[index] == shipped_encoder.probabilities([pair])[0]


def test_an_empty_batch_is_fine(shipped_encoder: SignalEncoder) -> None:
    assert shipped_encoder.probabilities([]) == []


def test_long_replies_are_truncated_not_rejected(shipped_encoder: SignalEncoder) -> None:
    long_reply = "I am so sorry about the delay with your refund. " * 200
    (found,) = shipped_encoder.probabilities([(long_reply, "Where is my refund? " * 100)])
    assert found["apologize"] > 0.5


def test_the_detector_averages_model_and_encoder(catalogue: SignalCatalogue,
                                                 shipped_detector: SignalDetector,
                                                 shipped_encoder: SignalEncoder) -> None:
    assert shipped_detector.model is not None
    both = SignalDetector(catalogue, shipped_detector.model, shipped_encoder)
    reply, customer = PAIRS[3]
    linear = shipped_detector.detect(reply, customer)
    (encoded,) = shipped_encoder.probabilities([(reply, customer)])
    for signal_id, verdict in both.detect(reply, customer).items():
        expected = (linear[signal_id].confidence + encoded[signal_id]) / 2
        assert verdict.confidence == pytest.approx(expected, abs=2e-3)
        assert verdict.present == (verdict.confidence >= shipped_detector.model.threshold)
        assert bool(verdict.evidence) == verdict.present


def test_without_a_model_the_encoder_is_not_used(catalogue: SignalCatalogue,
                                                 shipped_encoder: SignalEncoder) -> None:
    assert SignalDetector(catalogue, None, shipped_encoder).encoder is None


def test_build_detector_adds_the_encoder_only_when_asked(catalogue: SignalCatalogue) -> None:
    plain, problems = build_detector(catalogue)
    assert plain.encoder is None and not problems
    both, problems = build_detector(catalogue, encoder=True)
    assert both.encoder is not None and both.model is not None and not problems


def test_a_missing_encoder_file_leaves_the_model_working(catalogue: SignalCatalogue,
                                                         encoder_copy: Path) -> None:
    shutil.copyfile(paths.rubrics_dir() / str(catalogue.model),
                    encoder_copy.with_name(str(catalogue.model)))
    encoder_copy.with_name(ENCODER_FILES[0]).unlink()
    built, problems = build_detector(catalogue, folder=encoder_copy.parent, encoder=True)
    assert built.model is not None and built.encoder is None
    assert len(problems) == 1 and "signal_encoder.onnx: missing" in problems[0]
    assert "without the encoder" in problems[0]
    assert built.detect("So sorry about that.")["apologize"].present


WELL_FORMED = '"settings": {"max_length": 160}, "fingerprint": "x"'


@pytest.mark.parametrize(("text", "message"), [
    (b"{not json", "not JSON"),
    (b"\xff\xfe garbage", "not UTF-8"),
    (b"[]", "not an encoder description"),
    (b'{"signals": "apologize", ' + WELL_FORMED.encode() + b"}", "list of signal ids"),
    (b'{"signals": [], ' + WELL_FORMED.encode() + b"}", "list of signal ids"),
    (b'{"signals": ["apologize"], "settings": {}, "fingerprint": "x"}', "max_length"),
    (b'{"signals": ["apologize"], "settings": {"max_length": 160}}', "fingerprint"),
])
def test_broken_descriptions_are_named_and_explained(encoder_copy: Path, text: bytes,
                                                     message: str) -> None:
    encoder_copy.write_bytes(text)
    with pytest.raises(ValueError, match=message) as caught:
        read_encoder(encoder_copy)
    assert str(encoder_copy) in str(caught.value)
    assert any(message in p for p in encoder_file_problems(encoder_copy))


def test_a_graph_that_does_not_match_the_signals_is_refused(encoder_copy: Path) -> None:
    meta = json.loads(encoder_copy.read_text(encoding="utf-8"))
    meta["signals"] = meta["signals"][:-1]
    encoder_copy.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="one logit per signal"):
        read_encoder(encoder_copy)


@pytest.mark.parametrize(("text", "problem"), [("{", "not JSON"), ('{"a": 1}', None)])
def test_a_broken_tokenizer_file_is_named(encoder_copy: Path, text: str,
                                          problem: str | None) -> None:
    vocabulary = encoder_copy.with_name(ENCODER_FILES[1])
    vocabulary.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="not a tokenizer file") as caught:
        read_encoder(encoder_copy)
    assert str(vocabulary) in str(caught.value)
    found = encoder_file_problems(encoder_copy)
    if problem is None:
        assert found == []
    else:
        assert problem in found[0] and str(vocabulary) in found[0]


def test_sibling_files_follow_the_description_name(encoder_copy: Path) -> None:
    renamed = encoder_copy.with_name("team_encoder.json")
    encoder_copy.rename(renamed)
    assert "team_encoder.onnx: missing" in encoder_file_problems(renamed)[0]
    for name, new in zip(ENCODER_FILES[:2], ("team_encoder.onnx", "team_encoder.tokenizer.json"),
                         strict=True):
        encoder_copy.with_name(name).rename(renamed.with_name(new))
    assert encoder_file_problems(renamed) == []
    assert read_encoder(renamed).signals


def test_a_corrupt_graph_is_named(encoder_copy: Path) -> None:
    encoder_copy.with_name(ENCODER_FILES[0]).write_bytes(b"not an onnx graph")
    with pytest.raises(ValueError, match="not a loadable ONNX graph"):
        read_encoder(encoder_copy)


def test_missing_packages_say_what_to_install(encoder_copy: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ValueError, match=r"requirements-encoder\.txt"):
        read_encoder(encoder_copy)


def test_shipped_files_have_no_problems() -> None:
    assert encoder_file_problems(SHIPPED) == []


def test_staleness_follows_the_data_but_not_the_cues(encoder_copy: Path,
                                                    tmp_path: Path) -> None:
    """A stale encoder only warns (retraining needs PyTorch), so staleness itself is tested."""
    files = training_files()
    meta = json.loads(encoder_copy.read_text(encoding="utf-8"))
    meta["fingerprint"] = encoder_fingerprint(paths.signals_file(), files, EncoderSettings())
    encoder_copy.write_text(json.dumps(meta), encoding="utf-8")
    assert encoder_staleness(encoder_copy, paths.signals_file(), files) == ""
    extra = tmp_path / "signals_dev_extra.jsonl"
    extra.write_text(json.dumps({"reply": "Sorry.", "signals": ["apologize"]}) + "\n",
                     encoding="utf-8")
    assert "retrain it with tools/train_encoder.py" in encoder_staleness(
        encoder_copy, paths.signals_file(), [*files, extra])
    catalogue_text = paths.signals_file().read_text(encoding="utf-8")
    edited = tmp_path / "signals.yaml"
    edited.write_text(catalogue_text.replace("\\bso sor+y\\b", "\\bso very sor+y\\b"),
                      encoding="utf-8")
    assert edited.read_text(encoding="utf-8") != catalogue_text
    assert encoder_staleness(encoder_copy, edited, files) == ""
    renamed = edited.read_text(encoding="utf-8").replace("id: dismissive", "id: brush_off")
    edited.write_text(renamed, encoding="utf-8")
    assert encoder_staleness(encoder_copy, edited, files) != ""


def test_encoder_was_trained_on_development_sets_only() -> None:
    meta = json.loads(SHIPPED.read_text(encoding="utf-8"))
    development = {p.name for p in training_files()}
    assert set(meta["trained_on"]) <= development
    assert not any("holdout" in name for name in meta["trained_on"])
    rows = read_rows([p for p in training_files() if p.name in set(meta["trained_on"])])
    assert len(rows) > 9000


def test_detect_command_uses_the_encoder_when_asked(
        encoder_detector: SignalDetector) -> None:
    lines = [json.dumps({"id": i, "reply": r, "customer": c}) for i, (r, c) in enumerate(PAIRS)]
    lines.insert(2, "{broken")
    result = CliRunner().invoke(cli, ["detect", "--encoder"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [0, 1, None, 2, 3]
    assert "error" in out[2]
    expected = [encoder_detector.detect(*pair) for pair in PAIRS]
    for row, verdicts in zip([o for o in out if "signals" in o], expected, strict=True):
        assert row["signals"] == {s: v.model_dump() for s, v in verdicts.items()}


def test_rules_only_and_encoder_exclude_each_other() -> None:
    result = CliRunner().invoke(cli, ["detect", "--rules-only", "--encoder"], input="")
    assert result.exit_code == 2
    assert "exclude each other" in result.stderr


def test_scenario_examples_hold_with_the_encoder(library: Library,
                                                 encoder_detector: SignalDetector) -> None:
    """Trainees scored with the encoder must get the same lessons: model passes, poor fails."""
    problems = [str(error) for scenario in library.scenarios.values()
                for error in check_scenario_examples(library, scenario, encoder_detector)]
    assert problems == []
