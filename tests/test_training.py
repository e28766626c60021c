"""Training the learned correction: reproducible, faithful at run time, and worth having."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import training
from simulator.cli import cli
from simulator.models import SignalCatalogue
from simulator.signal_model import read_model
from simulator.signals import SignalDetector
from simulator.training import TrainingSettings, design, read_rows, train

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return read_rows([DATA / "signals_dev.jsonl"])[:200]


def _macro_f1(detector: SignalDetector, rows: list[dict[str, object]], ids: list[str]) -> float:
    total = 0.0
    for signal in ids:
        tp = fp = fn = 0
        for row in rows:
            got = detector.detect(str(row["reply"]), str(row["customer"]))[signal].present
            want = signal in row["signals"]  # type: ignore[operator]
            tp += got and want
            fp += got and not want
            fn += want and not got
        total += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return total / len(ids)


def test_training_is_deterministic(catalogue: SignalCatalogue,
                                   rows: list[dict[str, object]]) -> None:
    assert train(catalogue, rows).to_dict() == train(catalogue, rows).to_dict()


def test_run_time_probabilities_match_scikit_learn(catalogue: SignalCatalogue,
                                                   rows: list[dict[str, object]]) -> None:
    """The pure-Python evaluation must compute exactly what the fitted estimator would."""
    from sklearn.linear_model import LogisticRegression

    settings = TrainingSettings()
    model = train(catalogue, rows, settings)
    built = design(catalogue, rows, settings)
    detector = SignalDetector(catalogue, model)
    for signal_id in ("argue", "offer_remedy"):
        labels = [int(signal_id in row["signals"]) for row in rows]  # type: ignore[operator]
        fitted = LogisticRegression(C=settings.c, class_weight="balanced", max_iter=5000)
        expected = fitted.fit(built.matrix, labels).predict_proba(built.matrix)[:, 1]
        for k in range(0, len(rows), 17):
            reply, customer = str(rows[k]["reply"]), str(rows[k]["customer"])
            got = detector.detect(reply, customer)[signal_id].confidence
            assert got == pytest.approx(expected[k], abs=1e-3)


def test_the_model_improves_on_an_author_it_never_saw(catalogue: SignalCatalogue) -> None:
    """Trained on two authors' sets, it must beat the rules on a third author's replies."""
    model = train(catalogue, read_rows([DATA / "signals_dev.jsonl", DATA / "signals_dev2.jsonl"]))
    unseen = read_rows([DATA / "signals_dev7.jsonl"])
    ids = catalogue.ids()
    rules = _macro_f1(SignalDetector(catalogue), unseen, ids)
    learned = _macro_f1(SignalDetector(catalogue, model), unseen, ids)
    assert learned >= rules + 0.02, (rules, learned)


def test_unreadable_rows_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "signals_dev.jsonl"
    path.write_text('{"reply": "hi", "signals": []}\n{"reply": "no labels"}\n')
    with pytest.raises(ValueError, match=r"signals_dev.jsonl:2: not a labelled reply"):
        read_rows([path])


def test_training_without_scikit_learn_says_what_to_install(
    catalogue: SignalCatalogue, rows: list[dict[str, object]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)
    with pytest.raises(RuntimeError, match=r"requirements-dev\.txt"):
        train(catalogue, rows)


def test_train_model_command_writes_a_model_and_checks_freshness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "signals_dev.jsonl"
    lines = (DATA / "signals_dev.jsonl").read_text().splitlines()[:120]
    data.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(training, "training_files", lambda: [data])
    output = tmp_path / "model.json"
    runner = CliRunner()

    result = runner.invoke(cli, ["train-model", "--output", str(output)])
    assert result.exit_code == 0, result.output
    model = read_model(output)
    assert model.trained_on == ["signals_dev.jsonl"] and model.fingerprint
    assert runner.invoke(cli, ["train-model", "--check", "--output", str(output)]).exit_code == 0

    data.write_text("\n".join(lines[:100]) + "\n")
    stale = runner.invoke(cli, ["train-model", "--check", "--output", str(output)])
    assert stale.exit_code == 1
    assert "trained from other cues or labelled data" in stale.output
    assert "make model" in stale.output


def test_shipped_model_is_trained_from_the_current_files() -> None:
    """Editing signals.yaml or tests/data/ without `make model` fails here, not in use."""
    result = CliRunner().invoke(cli, ["train-model", "--check"])
    assert result.exit_code == 0, result.output


def test_shipped_model_never_saw_the_held_out_sets(catalogue: SignalCatalogue) -> None:
    from simulator import paths

    assert catalogue.model is not None
    model = json.loads((paths.rubrics_dir() / catalogue.model).read_text())
    assert model["trained_on"] and all(n.startswith("signals_dev") for n in model["trained_on"])
