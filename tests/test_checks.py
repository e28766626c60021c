"""The executable examples in content files: `check_library` (what `validate` runs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulator import paths
from simulator.checks import check_library
from simulator.loader import Library, LoadError, load_library

CONTENT = Path(__file__).parent / "content"
MODEL_REPLIES = [
    "      - I'm so sorry, your kettle parcel due Monday never arrived. Could you tell me if a"
    " neighbour took it?\n",
    "      - Thank you. I'll personally send a replacement kettle today by express.\n",
    "      - Thanks for your patience.\n",
]
RUDE_REPLIES = [
    "      - You're wrong, the tracking shows it was delivered.\n",
    "      - That's not my problem, you'll have to call the courier.\n",
    "      - Calm down, it's only a kettle.\n",
]


def line_of(path: Path, text: str) -> int:
    """1-based number of the first line of `path` that contains `text`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def test_shipped_library_reports_nothing(library: Library) -> None:
    errors = check_library(library)
    assert errors == [], "\n".join(str(e) for e in errors)


def test_tiny_content_reports_nothing(tiny_library: Library) -> None:
    errors = check_library(tiny_library)
    assert errors == [], "\n".join(str(e) for e in errors)


@pytest.fixture
def rude_tiny(tmp_path: Path) -> Path:
    """A copy of the tiny content whose model transcript is rude."""
    shutil.copy(CONTENT / "tiny_rubric.yaml", tmp_path / "tiny_rubric.yaml")
    text = (CONTENT / "tiny_scenario.yaml").read_text(encoding="utf-8")
    model = "".join(MODEL_REPLIES)
    assert model in text, "the tiny scenario's model replies changed; update this test"
    scenario = tmp_path / "tiny_scenario.yaml"
    scenario.write_text(text.replace(model, "".join(RUDE_REPLIES)), encoding="utf-8")
    return scenario


def test_rude_model_transcript_is_reported_at_examples_model(rude_tiny: Path) -> None:
    library = load_library([rude_tiny.parent])
    assert "tiny_parcel" in library.scenarios, [str(e) for e in library.errors]
    errors = check_library(library)
    assert errors
    model_line = line_of(rude_tiny, "  model:")
    for error in errors:
        assert isinstance(error, LoadError)
        assert Path(error.path).resolve() == rude_tiny.resolve()
        assert error.line == model_line
        assert error.field == "examples.model"
        assert f"{rude_tiny}:{model_line}: examples.model: " in str(error)
        assert "seed" in error.message
    messages = " | ".join(e.message for e in errors)
    assert "model transcript fails" in messages
    assert "expected resolved" in messages


def test_poor_transcript_that_passes_is_reported(tmp_path: Path) -> None:
    shutil.copy(CONTENT / "tiny_rubric.yaml", tmp_path / "tiny_rubric.yaml")
    text = (CONTENT / "tiny_scenario.yaml").read_text(encoding="utf-8")
    head, _old_poor = text.split("  poor:\n")
    good = "".join(MODEL_REPLIES)
    scenario = tmp_path / "tiny_scenario.yaml"
    scenario.write_text(f"{head}  poor:\n    outcome: resolved\n    replies:\n{good}",
                        encoding="utf-8")
    errors = check_library(load_library([tmp_path]))
    assert [e.field for e in errors] == ["examples.poor"]
    assert "poor transcript passes" in errors[0].message
    assert errors[0].line == line_of(scenario, "  poor:")


@pytest.fixture
def stale_signals(tmp_path: Path) -> Path:
    """A copy of the shipped catalogue with one `fires` example that no longer fires."""
    original = paths.signals_file().read_text(encoding="utf-8")
    example = "        - I'm so sorry this happened to you.\n"
    assert example in original, "the apologize example changed; update this test"
    copy = tmp_path / "signals.yaml"
    copy.write_text(original.replace(example, "        - The weather was lovely today.\n"),
                    encoding="utf-8")
    return copy


def test_signal_example_that_no_longer_fires_is_reported(stale_signals: Path) -> None:
    library = load_library([stale_signals])
    assert library.catalogue is not None
    assert library.origin[("signals", "signals")] == str(stale_signals)
    errors = check_library(library)
    stale = [e for e in errors if "did not fire" in e.message]
    assert len(stale) == 1, [str(e) for e in errors]
    error = stale[0]
    assert error.path == str(stale_signals)
    assert error.line == line_of(stale_signals, "The weather was lovely today.")
    assert error.field.startswith("signals.") and error.field.endswith(".examples.fires.0")
    index = library.catalogue.ids().index("apologize")
    assert error.field == f"signals.{index}.examples.fires.0"
    assert error.message.startswith("apologize did not fire")


def test_quiet_example_that_fires_is_reported(tmp_path: Path) -> None:
    original = paths.signals_file().read_text(encoding="utf-8")
    example = "        - I'm not sorry, that's the rule.\n"
    assert example in original, "the apologize near-miss changed; update this test"
    copy = tmp_path / "signals.yaml"
    copy.write_text(original.replace(example, "        - I'm so sorry this happened.\n"),
                    encoding="utf-8")
    errors = [e for e in check_library(load_library([copy])) if "apologize fired" in e.message]
    assert len(errors) == 1
    assert errors[0].field.endswith(".examples.quiet.0")
    assert errors[0].line == line_of(copy, "I'm so sorry this happened.")
    assert errors[0].message.startswith("apologize fired on [") and "sorry" in errors[0].message
