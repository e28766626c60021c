"""The command line: the contracts in DESIGN.md and the commands the README documents."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from simulator import paths
from simulator.cli import cli
from simulator.loader import Library
from simulator.models import Scenario, Stage
from simulator.signals import SignalDetector

ROOT = paths.PROJECT_ROOT
SIGNAL_IDS = {
    "apologize", "empathize", "reflect", "ask_question", "offer_remedy", "take_ownership",
    "thank", "argue", "pass_the_buck", "quote_policy", "dismissive",
}
OUTCOMES = {"resolved", "walked_out", "escalated", "turn_limit", "in_progress"}
ERROR_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<field>\S+): (?P<message>.+)$")
SCENARIO_ID = "telecom_double_charge"
README_EXAMPLE = {"id": 1, "reply": "So sorry, I will refund it today",
                  "customer": "You charged me twice"}


def run(args: Sequence[str], input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def run_subprocess(
    args: Sequence[str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], input=input, capture_output=True,
        text=True, cwd=ROOT, timeout=120, check=False,
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def telecom(library: Library) -> Scenario:
    return library.scenarios[SCENARIO_ID]


def replies_file(folder: Path, replies: Sequence[str], name: str = "replies.txt") -> Path:
    assert all("\n" not in reply for reply in replies)
    path = folder / name
    path.write_text("".join(f"{reply}\n" for reply in replies), encoding="utf-8")
    return path


@pytest.fixture
def model_replies(tmp_path: Path, telecom: Scenario) -> Path:
    return replies_file(tmp_path, telecom.examples.model.replies)


@pytest.fixture
def played(model_replies: Path) -> dict[str, Any]:
    result = run(["play", SCENARIO_ID, "--replies", str(model_replies), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def assert_verdicts(signals: dict[str, Any]) -> None:
    assert set(signals) >= SIGNAL_IDS
    for verdict in signals.values():
        assert isinstance(verdict["present"], bool)
        assert isinstance(verdict["confidence"], int | float)
        assert 0 <= verdict["confidence"] <= 1
        assert isinstance(verdict["evidence"], list)
        assert all(isinstance(quote, str) for quote in verdict["evidence"])
        if verdict["present"]:
            assert verdict["evidence"], verdict


def assert_play_shape(data: dict[str, Any], signal_ids: set[str]) -> None:
    assert isinstance(data["scenario"], str)
    assert data["outcome"] in OUTCOMES
    assert isinstance(data["turns"], list) and data["turns"]
    for turn in data["turns"]:
        assert isinstance(turn["trainee"], str) and turn["trainee"]
        assert isinstance(turn["customer"], str) and turn["customer"]
        assert isinstance(turn["mood"], int | float) and 0 <= turn["mood"] <= 100
        assert turn["stage"] in {s.value for s in Stage}
        assert isinstance(turn["signals"], list)
        assert set(turn["signals"]) <= signal_ids
    score = data["score"]
    assert isinstance(score["percent"], int | float) and 0 <= score["percent"] <= 100
    assert isinstance(score["passed"], bool)
    assert score["criteria"]
    for criterion in score["criteria"]:
        assert isinstance(criterion["id"], str) and criterion["id"]
        assert isinstance(criterion["met"], bool)
        assert isinstance(criterion["points"], int | float)
        assert isinstance(criterion["max"], int | float)
        assert criterion["points"] <= criterion["max"]
        assert isinstance(criterion["evidence"], list)


# --------------------------------------------------------------------------- validate


def test_validate_passes_on_the_shipped_content() -> None:
    result = run(["validate"])
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    scenarios = len(list(paths.scenarios_dir().glob("*.yaml")))
    assert result.stderr.startswith(f"ok: {scenarios} scenarios, ")
    assert "11 signals" in result.stderr


def test_validate_one_shipped_file_against_the_shipped_rubrics() -> None:
    result = run(["validate", str(paths.scenarios_dir() / f"{SCENARIO_ID}.yaml")])
    assert result.exit_code == 0, result.stdout
    assert result.stderr.startswith("ok: 1 scenarios, ")


BROKEN = """\
id: broken_case
title: Broken
industry: retail
difficulty: ultra
persona:
  name: no
  temperment: blunt
opening_line: Hello?
"""


def test_validate_reports_each_problem_as_path_line_field_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    result = run(["validate", str(broken)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines
    found = {}
    for line in lines:
        match = ERROR_LINE.match(line)
        assert match, line
        assert match["path"] == str(broken)
        found[match["field"]] = (int(match["line"]), match["message"])
    assert found["difficulty"][0] == 4
    assert found["persona.name"][0] == 6
    assert "put the word in quotes" in found["persona.name"][1]
    assert found["persona.temperment"] == (
        7, "unknown field 'temperment' (hint: did you mean 'temperament'?)")
    assert found["briefing"][0] == 1


def test_validate_checks_the_executable_examples(tmp_path: Path) -> None:
    text = (paths.scenarios_dir() / f"{SCENARIO_ID}.yaml").read_text(encoding="utf-8")
    needle = "  poor:\n    outcome: walked_out\n"
    assert needle in text
    wrong = tmp_path / "wrong_claim.yaml"
    wrong.write_text(text.replace(needle, "  poor:\n    outcome: resolved\n"), encoding="utf-8")
    result = run(["validate", str(wrong)])
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    match = ERROR_LINE.match(line)
    assert match and match["field"] == "examples.poor"
    assert int(match["line"]) == text.splitlines().index("  poor:") + 1
    assert "expected resolved" in match["message"]


def test_validate_reports_the_bad_file_and_still_checks_the_good_one(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text((paths.scenarios_dir() / f"{SCENARIO_ID}.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    broken = tmp_path / "zz_broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    result = run(["validate", str(tmp_path)])
    assert result.exit_code == 1
    matches = [ERROR_LINE.match(line) for line in result.stdout.splitlines()]
    assert matches and all(matches), result.stdout
    assert {m["path"] for m in matches if m} == {str(broken)}


def test_validate_rejects_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = run(["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --------------------------------------------------------------------------- detect


def test_detect_writes_one_line_per_input_with_every_signal() -> None:
    inputs: list[dict[str, Any]] = [
        README_EXAMPLE,
        {"id": "two", "reply": "Calm down, that's our policy."},
        {"id": None, "reply": "Thanks for waiting. What happened exactly?", "customer": ""},
        {"reply": "No id at all."},
        {"id": 5.5, "reply": "Désolé, £48.50 refunded.", "customer": "Où est mon argent ?"},
    ]
    stdin = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in inputs)
    result = run(["detect"], input=stdin)
    assert result.exit_code == 0, result.output
    outputs = json_lines(result.stdout)
    assert len(result.stdout.splitlines()) == len(inputs)
    assert [out["id"] for out in outputs] == [item.get("id") for item in inputs]
    for out in outputs:
        assert set(out) == {"id", "signals"}
        assert_verdicts(out["signals"])
    readme = outputs[0]["signals"]
    assert readme["apologize"]["present"]
    assert any("sorry" in quote.lower() for quote in readme["apologize"]["evidence"])
    assert not readme["argue"]["present"]


def test_detect_blank_lines_are_skipped_and_empty_input_is_fine() -> None:
    result = run(["detect"], input="\n   \n")
    assert (result.exit_code, result.stdout) == (0, "")
    result = run(["detect"], input="\n" + json.dumps(README_EXAMPLE) + "\n\n")
    assert result.exit_code == 0
    assert [out["id"] for out in json_lines(result.stdout)] == [1]


def test_detect_invalid_lines_get_errors_and_valid_lines_still_get_answers() -> None:
    lines = [
        json.dumps(README_EXAMPLE),
        "this is not json",
        json.dumps({"id": 3, "reply": 42}),
        json.dumps({"id": 4}),
        json.dumps(["a", "list"]),
        json.dumps({"id": 6, "reply": "ok", "customer": 7}),
        json.dumps({"id": 7, "reply": "Thank you for your patience."}),
    ]
    result = run(["detect"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    outputs = json_lines(result.stdout)
    assert len(outputs) == len(lines)
    answered = [out for out in outputs if "signals" in out]
    assert [out["id"] for out in answered] == [1, 7]
    for out in answered:
        assert_verdicts(out["signals"])
    assert answered[1]["signals"]["thank"]["present"]
    errors = [out for out in outputs if "error" in out]
    assert [out["error"].split(":")[0] for out in errors] == [
        "line 2", "line 3", "line 4", "line 5", "line 6"]
    assert all(set(out) == {"id", "error"} for out in errors)
    # The id is echoed whenever the line was readable JSON with one, so answers stay matched.
    assert [out["id"] for out in errors] == [None, 3, 4, None, 6]


# --------------------------------------------------------------------------- play


def test_play_json_prints_the_contract_shape(
    played: dict[str, Any], telecom: Scenario, library: Library
) -> None:
    assert library.catalogue is not None
    assert_play_shape(played, set(library.catalogue.ids()))
    assert played["scenario"] == SCENARIO_ID
    replies = telecom.examples.model.replies
    assert [turn["trainee"] for turn in played["turns"]] == replies[:len(played["turns"])]
    rubric_ids = {c["id"].split(".")[0] for c in played["score"]["criteria"]}
    assert rubric_ids == set(telecom.rubrics)


def test_play_model_transcript_passes_and_ends_as_declared(
    played: dict[str, Any], telecom: Scenario
) -> None:
    assert played["score"]["passed"] is True
    assert telecom.examples.model.outcome is not None
    assert played["outcome"] == telecom.examples.model.outcome.value
    assert played["turns"][0]["signals"], "the model reply shows something"


def test_play_poor_transcript_fails(tmp_path: Path, telecom: Scenario) -> None:
    path = replies_file(tmp_path, telecom.examples.poor.replies)
    result = run(["play", SCENARIO_ID, "--replies", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["score"]["passed"] is False
    assert data["outcome"] != "resolved"
    assert any("argue" in turn["signals"] for turn in data["turns"])


def test_play_is_deterministic_for_a_seed_and_accepts_a_path(model_replies: Path) -> None:
    args = ["--replies", str(model_replies), "--seed", "7", "--json"]
    first = run(["play", SCENARIO_ID, *args])
    again = run(["play", SCENARIO_ID, *args])
    by_path = run(["play", str(paths.scenarios_dir() / f"{SCENARIO_ID}.yaml"), *args])
    assert first.exit_code == again.exit_code == by_path.exit_code == 0
    assert first.stdout == again.stdout == by_path.stdout


def test_play_prints_a_readable_transcript_without_json(model_replies: Path) -> None:
    result = run(["play", SCENARIO_ID, "--replies", str(model_replies)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Customer: ")
    assert "[1] You: " in result.stdout
    assert re.search(r"^Outcome: \w+ +Score: [\d.]+% (PASSED|FAILED)$", result.stdout, re.M)


def test_play_unknown_scenario_fails_clearly(model_replies: Path) -> None:
    result = run(["play", "no_such_scenario", "--replies", str(model_replies)])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "unknown scenario 'no_such_scenario'" in result.stderr
    assert SCENARIO_ID in result.stderr  # lists what is known


def test_play_llm_engine_exits_2_with_a_clear_message(model_replies: Path) -> None:
    result = run(["play", SCENARIO_ID, "--replies", str(model_replies), "--engine", "llm"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "LLM customer engine is not available" in result.stderr
    assert "--engine scripted" in result.stderr


def test_play_needs_replies() -> None:
    result = run(["play", SCENARIO_ID])
    assert result.exit_code == 2
    assert "--replies" in result.output


# --------------------------------------------------------------------------- score


def test_score_agrees_with_play(tmp_path: Path, played: dict[str, Any]) -> None:
    transcript = tmp_path / "transcript.json"
    transcript.write_text(json.dumps(played), encoding="utf-8")
    result = run(["score", str(transcript), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == played["score"]


def test_score_agrees_with_play_on_a_failing_transcript(tmp_path: Path, telecom: Scenario) -> None:
    replies = replies_file(tmp_path, telecom.examples.poor.replies)
    played = json.loads(run(["play", SCENARIO_ID, "--replies", str(replies), "--json"]).stdout)
    transcript = tmp_path / "poor.json"
    transcript.write_text(json.dumps(played), encoding="utf-8")
    scored = json.loads(run(["score", str(transcript), "--json"]).stdout)
    assert scored == played["score"]
    assert scored["passed"] is False


def test_score_with_chosen_rubrics(tmp_path: Path, played: dict[str, Any]) -> None:
    transcript = tmp_path / "transcript.json"
    transcript.write_text(json.dumps(played), encoding="utf-8")
    result = run(["score", str(transcript), "--rubric", "blast", "--rubric", "never_argue",
                  "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert [r["id"] for r in card["rubrics"]] == ["blast", "never_argue"]
    assert {c["id"].split(".")[0] for c in card["criteria"]} == {"blast", "never_argue"}


def test_score_a_minimal_transcript_uses_every_rubric(tmp_path: Path, library: Library) -> None:
    transcript = tmp_path / "minimal.json"
    transcript.write_text(json.dumps({"turns": [
        {"trainee": "I'm so sorry. So you were charged twice on the 3rd?",
         "customer": "Yes, twice!"},
        {"trainee": "I'll refund the duplicate today. Thank you for telling us."},
    ]}), encoding="utf-8")
    result = run(["score", str(transcript), "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert {r["id"] for r in card["rubrics"]} == set(library.rubrics)
    assert 0 <= card["percent"] <= 100
    text = run(["score", str(transcript)])
    assert text.exit_code == 0
    assert "Score: " in text.stdout


def test_score_unknown_rubric_fails_clearly(tmp_path: Path, played: dict[str, Any]) -> None:
    transcript = tmp_path / "transcript.json"
    transcript.write_text(json.dumps(played), encoding="utf-8")
    result = run(["score", str(transcript), "--rubric", "no_such_rubric", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "unknown rubric no_such_rubric" in result.stderr
    assert "blast" in result.stderr  # lists what is known


@pytest.mark.parametrize("content", ["not json at all", '{"turns": "nope"}',
                                     '{"turns": [{"customer": "hi"}]}', "[1, 2]"])
def test_score_rejects_a_malformed_transcript(tmp_path: Path, content: str) -> None:
    transcript = tmp_path / "bad.json"
    transcript.write_text(content, encoding="utf-8")
    result = run(["score", str(transcript)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {transcript}: ")


# --------------------------------------------------------------------------- list, schemas


def shipped_scenario_ids() -> list[str]:
    found = []
    for path in sorted(paths.scenarios_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.append(data["id"])
    return sorted(found)


def test_list_shows_every_shipped_scenario() -> None:
    result = run(["list"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == shipped_scenario_ids()
    assert "skipped" not in result.stderr


def test_list_json(library: Library) -> None:
    result = run(["list", "--json"])
    assert result.exit_code == 0
    rows = json_lines(result.stdout)
    assert [row["id"] for row in rows] == shipped_scenario_ids()
    for row in rows:
        scenario = library.scenarios[row["id"]]
        assert (row["industry"], row["difficulty"]) == (
            scenario.industry, scenario.difficulty.value)
        assert row["rubrics"] == scenario.rubrics


def test_schemas_are_current() -> None:
    result = run(["schemas"])
    assert (result.exit_code, result.stdout) == (0, "")


# --------------------------------------------------------------------------- help, README


COMMANDS = sorted(cli.commands)


def test_the_contract_commands_exist() -> None:
    assert set(COMMANDS) >= {"validate", "detect", "play", "score", "list", "schemas"}


@pytest.mark.parametrize("command", [None, *COMMANDS])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_works_for_every_command(command: str | None, flag: str) -> None:
    args = [flag] if command is None else [command, flag]
    result = run(args)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    if command is not None:
        assert f" {command} " in result.stdout.splitlines()[0]


def readme_commands() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## The command line")
    end = readme.index("\n## ", start + 1)
    section = readme[start:end]
    named = set(re.findall(r"(?:bin/simulator|python -m simulator) +([a-z][\w-]*)", section))
    named |= set(re.findall(r"^- `([a-z][\w-]*)[ `]", section, re.M))
    return named


def test_readme_documented_commands_exist() -> None:
    documented = readme_commands()
    assert {"list", "validate", "detect", "play", "score", "schemas"} <= documented
    assert documented <= set(cli.commands), documented - set(cli.commands)


# --------------------------------------------------------------------------- real processes


@pytest.mark.slow
def test_subprocess_validate() -> None:
    done = run_subprocess(["validate"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.startswith("ok: ")


@pytest.mark.slow
def test_subprocess_validate_broken(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    done = run_subprocess(["validate", str(broken)])
    assert done.returncode == 1
    assert done.stdout.splitlines()
    assert all(ERROR_LINE.match(line) for line in done.stdout.splitlines())


@pytest.mark.slow
def test_subprocess_detect() -> None:
    stdin = json.dumps(README_EXAMPLE) + "\n" + json.dumps({"id": "b", "reply": "Ok."}) + "\n"
    done = run_subprocess(["detect"], input=stdin)
    assert done.returncode == 0, done.stderr
    outputs = json_lines(done.stdout)
    assert [out["id"] for out in outputs] == [1, "b"]
    for out in outputs:
        assert_verdicts(out["signals"])


@pytest.mark.slow
def test_subprocess_play_and_score(tmp_path: Path, model_replies: Path, library: Library) -> None:
    assert library.catalogue is not None
    done = run_subprocess(["play", SCENARIO_ID, "--replies", str(model_replies), "--json"])
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert_play_shape(data, set(library.catalogue.ids()))
    transcript = tmp_path / "transcript.json"
    transcript.write_text(done.stdout, encoding="utf-8")
    scored = run_subprocess(["score", str(transcript), "--json"])
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout) == data["score"]


@pytest.mark.slow
def test_subprocess_play_errors(model_replies: Path) -> None:
    unknown = run_subprocess(["play", "no_such_scenario", "--replies", str(model_replies)])
    assert unknown.returncode != 0
    assert "unknown scenario 'no_such_scenario'" in unknown.stderr
    llm = run_subprocess(["play", SCENARIO_ID, "--replies", str(model_replies), "--engine", "llm"])
    assert llm.returncode == 2
    assert "--engine scripted" in llm.stderr


@pytest.mark.slow
def test_subprocess_list_schemas_and_help() -> None:
    listed = run_subprocess(["list"])
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == shipped_scenario_ids()
    schemas = run_subprocess(["schemas"])
    assert (schemas.returncode, schemas.stdout) == (0, "")
    helped = run_subprocess(["--help"])
    assert helped.returncode == 0
    assert all(command in helped.stdout for command in COMMANDS)


def test_detect_uses_the_learned_model_unless_told_rules_only(
    detector: SignalDetector, shipped_detector: SignalDetector
) -> None:
    rows = [json.loads(line) for line in
            (ROOT / "tests/data/signals_dev7.jsonl").read_text().splitlines()[:60]]
    stdin = "".join(json.dumps({"id": r["id"], "reply": r["reply"], "customer": r["customer"]})
                    + "\n" for r in rows)
    shipped = json_lines(run(["detect"], input=stdin).stdout)
    rules = json_lines(run(["detect", "--rules-only"], input=stdin).stdout)
    for row, learned, plain in zip(rows, shipped, rules, strict=True):
        want_learned = shipped_detector.detect(row["reply"], row["customer"])
        want_plain = detector.detect(row["reply"], row["customer"])
        assert learned["signals"] == {s: v.model_dump() for s, v in want_learned.items()}
        assert plain["signals"] == {s: v.model_dump() for s, v in want_plain.items()}
    assert shipped != rules


def test_detect_without_its_model_file_warns_and_uses_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "signals.yaml").write_text(paths.signals_file().read_text())
    monkeypatch.setenv("SIMULATOR_RUBRICS_DIR", str(tmp_path))
    result = run(["detect"], input=json.dumps(README_EXAMPLE) + "\n")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "using the rules alone" in result.stderr
    assert json_lines(result.stdout)[0]["signals"]["apologize"]["present"]


def test_validate_reports_a_missing_model_file_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for source in paths.rubrics_dir().glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text())
    monkeypatch.setenv("SIMULATOR_RUBRICS_DIR", str(tmp_path))
    result = run(["validate"])
    assert result.exit_code == 1
    problems = [ERROR_LINE.match(line) for line in result.stdout.splitlines()]
    about_model = [m for m in problems if m and m["field"] == "model"]
    assert about_model, result.stdout
    text = (tmp_path / "signals.yaml").read_text().splitlines()
    assert text[int(about_model[0]["line"]) - 1].startswith("model:")
    assert "make model" in about_model[0]["message"]


@pytest.fixture()
def rubrics_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the whole rubrics folder (models included), used by the commands."""
    for source in paths.rubrics_dir().iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    monkeypatch.setenv("SIMULATOR_RUBRICS_DIR", str(tmp_path))
    return tmp_path


def errors_about(field: str, output: str) -> list[re.Match[str]]:
    """The `validate` error lines whose field path is `field`."""
    found = [ERROR_LINE.match(line) for line in output.splitlines()]
    return [m for m in found if m and m["field"] == field]


def test_validate_reports_a_half_copied_encoder_at_its_line(rubrics_copy: Path) -> None:
    (rubrics_copy / "signal_encoder.onnx").unlink()
    result = run(["validate"])
    assert result.exit_code == 1
    about_encoder = errors_about("encoder", result.stdout)
    assert len(about_encoder) == 1, result.stdout
    text = (rubrics_copy / "signals.yaml").read_text().splitlines()
    assert text[int(about_encoder[0]["line"]) - 1].startswith("encoder:")
    assert "signal_encoder.onnx: missing" in about_encoder[0]["message"]


def test_validate_reports_an_encoder_without_a_model(rubrics_copy: Path) -> None:
    catalogue = rubrics_copy / "signals.yaml"
    catalogue.write_text(catalogue.read_text().replace("\nmodel: signal_model.json\n", "\n"))
    result = run(["validate"])
    assert result.exit_code == 1
    about_encoder = errors_about("encoder", result.stdout)
    assert len(about_encoder) == 1 and "no `model:`" in about_encoder[0]["message"]


def test_validate_warns_when_the_model_is_stale(rubrics_copy: Path) -> None:
    assert "warning" not in run(["validate"]).stderr
    catalogue = rubrics_copy / "signals.yaml"
    catalogue.write_text(catalogue.read_text() + "\n# a trainer's edit\n")
    result = run(["validate"])
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "make model" in result.stderr
