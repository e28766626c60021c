# Layer: interface (command line). Imports every domain layer; nothing imports it.
"""The `simulator` command: validate, detect, play, score, list, schemas and train-model.

The output formats are contracts other tools depend on (see DESIGN.md); keep them stable.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from simulator.checks import check_library
from simulator.loader import Library, load_catalogue, load_library
from simulator.models import Outcome, Rubric, Stage, Turn
from simulator.schemas import check_schemas, write_schemas
from simulator.scoring import score_transcript
from simulator.session import PracticeSession, scorecard_json, transcript_json
from simulator.signals import SignalDetector, build_detector


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _library() -> Library:
    library = load_library()
    if library.catalogue is None:
        for error in library.errors:
            click.echo(str(error), err=True)
        _fail("the signal catalogue does not load; run `simulator validate`")
    return library


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Angry-customer training simulator: check content, detect signals, play and score."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario, rubric and signal files (default: all shipped files).

    Exit 0 when every file is valid and every executable example behaves as declared;
    otherwise exit 1 and print one line per error: path:line: field.path: message.
    """
    library = load_library(list(paths) or None)
    errors = check_library(library)
    for error in errors:
        click.echo(str(error))
    for stale in _stale_warnings(library):
        click.echo(f"warning: {stale}", err=True)
    if errors:
        sys.exit(1)
    signals = len(library.catalogue.signals) if library.catalogue else 0
    click.echo(f"ok: {len(library.scenarios)} scenarios, {len(library.rubrics)} rubrics, "
               f"{signals} signals", err=True)


def _stale_warnings(library: Library) -> list[str]:
    """Say so when the learned model or the encoder was trained from other cues or data.

    A stale model still works (it reads the rules' verdicts), but it was fitted to the old
    ones; trainers who edit cues should hear that `make model` is due. The encoder reads no
    cues, so only new labelled data or a changed list of signals makes it stale.
    """
    from simulator import paths
    from simulator.encoder import encoder_staleness
    from simulator.training import staleness, training_files

    catalogue = library.catalogue
    files = training_files()
    if catalogue is None or not files:
        return []
    checks: list[Callable[[], str]] = []
    if catalogue.model is not None:
        checks.append(lambda: staleness(paths.rubrics_dir() / str(catalogue.model), files))
    if catalogue.encoder is not None:
        checks.append(lambda: encoder_staleness(paths.rubrics_dir() / str(catalogue.encoder),
                                                paths.signals_file(), files))
    warnings = []
    for check in checks:
        # check_library reports an unreadable model or encoder as an error.
        with contextlib.suppress(OSError, ValueError):
            warnings.append(check())
    return [w for w in warnings if w]


def _detect_lines(stream: TextIO, detector: SignalDetector) -> int:
    failures = 0
    write = sys.stdout.write
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        item: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("reply"), str):
                raise ValueError('expected an object with a string "reply"')
            customer = item.get("customer") or ""
            if not isinstance(customer, str):
                raise ValueError('"customer" must be a string')
        except ValueError as exc:
            failures += 1
            item_id = item.get("id") if isinstance(item, dict) else None
            write(json.dumps({"id": item_id, "error": f"line {number}: {exc}"}) + "\n")
            continue
        verdicts = detector.detect(item["reply"], customer)
        out = {"id": item.get("id"),
               "signals": {s: v.model_dump() for s, v in verdicts.items()}}
        write(json.dumps(out, ensure_ascii=False) + "\n")
    return failures


def _detector(library_catalogue: Any, encoder: bool = False) -> SignalDetector:
    """The catalogue's detector (rules, learned model, encoder if asked); problems to stderr."""
    detector, problems = build_detector(library_catalogue, encoder=encoder)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    return detector


ENCODER_HELP = ("Also use the catalogue's fine-tuned encoder (more accurate, about ten times "
                "slower; needs requirements-encoder.txt).")


@cli.command()
@click.option("--rules-only", is_flag=True,
              help="Use the catalogue's rules alone, without its learned model.")
@click.option("--encoder", "use_encoder", is_flag=True, help=ENCODER_HELP)
def detect(rules_only: bool, use_encoder: bool) -> None:
    """Read JSON lines {"id", "reply", "customer"?} on stdin; write one verdict line each.

    Output: {"id": ..., "signals": {"<signal>": {"present", "confidence", "evidence"}}}.
    A line that is not valid input gets {"id": null, "error": "..."}; the exit code is 1
    if any line was invalid.
    """
    catalogue, errors = load_catalogue()
    if catalogue is None:
        for error in errors:
            click.echo(str(error), err=True)
        _fail("the signal catalogue does not load; run `simulator validate`")
    if rules_only and use_encoder:
        _fail("--rules-only and --encoder exclude each other", 2)
    detector = SignalDetector(catalogue) if rules_only else _detector(catalogue, use_encoder)
    failures = _detect_lines(sys.stdin, detector)
    sys.stdout.flush()
    if failures:
        sys.exit(1)


def _print_session(data: dict[str, Any]) -> None:
    click.echo(f"Customer: {data['opening']}")
    for number, turn in enumerate(data["turns"], start=1):
        click.echo(f"\n[{number}] You: {turn['trainee']}")
        click.echo(f"    signals: {', '.join(turn['signals']) or '-'}   "
                   f"anger {turn['mood']:.0f} ({turn['stage']})")
        if turn.get("hint"):
            click.echo(f"    coach: {turn['hint']}")
        click.echo(f"Customer: {turn['customer']}")
    score = data["score"]
    verdict = "PASSED" if score["passed"] else "FAILED"
    click.echo(f"\nOutcome: {data['outcome']}   Score: {score['percent']}% {verdict}")
    for item in score["criteria"]:
        mark = {"met": "+", "partly": "~", "missed": "-", "pending": "?"}[item["status"]]
        click.echo(f"  {mark} {item['id']}: {item['points']}/{item['max']}")
        if item["tip"]:
            click.echo(f"      tip: {item['tip']}")


@cli.command()
@click.argument("scenario")
@click.option("--replies", "replies_file", required=True, type=click.File("r", encoding="utf-8"),
              help="Trainee replies, one per line ('-' for stdin).")
@click.option("--engine", type=click.Choice(["scripted", "llm"]), default="scripted",
              show_default=True, help="Who plays the customer.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the mood jitter.")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@click.option("--encoder", "use_encoder", is_flag=True, help=ENCODER_HELP)
def play(scenario: str, replies_file: TextIO, engine: str, seed: int, as_json: bool,
         use_encoder: bool) -> None:
    """Play trainee replies against a scenario (id or path) and score the result."""
    if engine == "llm":
        _fail("the LLM customer engine is not available in this version; use --engine scripted",
              2)
    library = load_library([Path(scenario)]) if Path(scenario).is_file() else _library()
    if library.catalogue is None or (library.errors and not library.scenarios):
        for error in library.errors:
            click.echo(str(error), err=True)
        _fail(f"cannot load scenario {scenario!r}")
    try:
        chosen = library.scenario(scenario)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    rubrics = [library.rubrics[r] for r in chosen.rubrics]
    session = PracticeSession(chosen, rubrics, library.catalogue,
                              _detector(library.catalogue, use_encoder), engine_name=engine,
                              seed=seed)
    session.play(line.rstrip("\n") for line in replies_file)
    data = session.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_session(data)


def _turns_from(data: Any, detector: SignalDetector) -> tuple[list[Turn], str, str | None]:
    """Re-detect signals on a saved transcript's trainee replies (the file's own are ignored)."""
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise ValueError('expected an object with a "turns" list')
    prompt = str(data.get("opening") or "")
    opening = prompt
    heard = [prompt]
    turns: list[Turn] = []
    for number, raw in enumerate(data["turns"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("trainee"), str):
            raise ValueError(f'turns.{number - 1}: expected an object with a string "trainee"')
        customer = str(raw.get("customer") or "")
        mood = raw.get("mood", 0)
        stage = raw.get("stage", Stage.venting.value)
        turns.append(Turn(index=number, prompt=prompt, trainee=raw["trainee"],
                          customer=customer,
                          signals=detector.detect(raw["trainee"], "\n".join(heard)),
                          mood=float(mood) if isinstance(mood, int | float) else 0.0,
                          stage=Stage(stage) if stage in Stage.__members__ else Stage.venting))
        prompt = customer
        heard.append(customer)
    scenario = data.get("scenario")
    return turns, opening, scenario if isinstance(scenario, str) else None


@cli.command()
@click.argument("transcript", type=click.File("r", encoding="utf-8"))
@click.option("--rubric", "rubric_ids", multiple=True,
              help="Rubric id to apply (repeatable). Default: the scenario's rubrics, or all.")
@click.option("--json", "as_json", is_flag=True, help="Print the scorecard as JSON.")
@click.option("--encoder", "use_encoder", is_flag=True, help=ENCODER_HELP)
def score(transcript: TextIO, rubric_ids: tuple[str, ...], as_json: bool,
          use_encoder: bool) -> None:
    """Score a saved transcript (the JSON that `play --json` prints, or {"turns": [...]})."""
    library = _library()
    assert library.catalogue is not None
    detector = _detector(library.catalogue, use_encoder)
    try:
        turns, opening, scenario_id = _turns_from(json.load(transcript), detector)
    except ValueError as exc:
        _fail(f"{transcript.name}: {exc}")
    chosen: list[Rubric]
    if rubric_ids:
        unknown = [r for r in rubric_ids if r not in library.rubrics]
        if unknown:
            known = ", ".join(sorted(library.rubrics))
            _fail(f"unknown rubric {', '.join(unknown)} (known: {known})")
        chosen = [library.rubrics[r] for r in rubric_ids]
    elif scenario_id in library.scenarios:
        chosen = [library.rubrics[r] for r in library.scenarios[scenario_id].rubrics]
    else:
        chosen = list(library.rubrics.values())
    card = score_transcript(turns, chosen)
    if as_json:
        click.echo(json.dumps(scorecard_json(card), ensure_ascii=False, indent=2))
    else:
        _print_session(transcript_json(scenario_id, opening, Outcome.in_progress, turns, card))


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON lines.")
def list_scenarios(as_json: bool) -> None:
    """List the scenarios that load, with industry and difficulty."""
    library = _library()
    for scenario in sorted(library.scenarios.values(), key=lambda s: s.id):
        if as_json:
            click.echo(json.dumps({"id": scenario.id, "title": scenario.title,
                                   "industry": scenario.industry,
                                   "difficulty": scenario.difficulty.value,
                                   "tags": scenario.tags, "rubrics": scenario.rubrics}))
        else:
            click.echo(f"{scenario.id:34} {scenario.industry:16} {scenario.difficulty.value:7} "
                       f"{scenario.title}")
    for error in library.errors:
        click.echo(f"skipped: {error}", err=True)


@cli.command("train-model")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the model (default: the file the catalogue names).")
@click.option("--check", is_flag=True,
              help="Do not train; exit 1 if the model was trained from other files.")
def train_model(output: Path | None, check: bool) -> None:
    """Train the learned correction from tests/data/signals_dev*.jsonl (needs scikit-learn).

    Deterministic: the same catalogue, data and settings give the same model. The held-out
    sets are never read.
    """
    from simulator import paths
    from simulator.signal_model import write_model
    from simulator.training import (
        TrainingSettings,
        data_fingerprint,
        read_rows,
        staleness,
        train,
        training_files,
    )

    catalogue, errors = load_catalogue()
    if catalogue is None:
        for error in errors:
            click.echo(str(error), err=True)
        _fail("the signal catalogue does not load; run `simulator validate`")
    target = output or paths.rubrics_dir() / (catalogue.model or "signal_model.json")
    files = training_files()
    settings = TrainingSettings()
    wanted = data_fingerprint(paths.signals_file(), files, settings)
    if check:
        try:
            stale = staleness(target, files, settings)
        except (OSError, ValueError) as exc:
            _fail(str(exc))
        if stale:
            _fail(stale)
        click.echo(f"ok: {target} is current ({wanted})", err=True)
        return
    try:
        model = train(catalogue, read_rows(files), settings)
    except (RuntimeError, ValueError) as exc:
        _fail(str(exc))
    model = dataclasses.replace(model, fingerprint=wanted, trained_on=[p.name for p in files])
    write_model(model, target)
    click.echo(f"wrote {target}: {len(model.heads)} signals, {len(model.vocabulary)} n-grams, "
               f"from {len(files)} files", err=True)


@cli.command()
@click.option("--write", is_flag=True, help="Rewrite schemas/*.json from the models.")
def schemas(write: bool) -> None:
    """Check (or --write) the JSON Schemas editors use to autocomplete content files."""
    if write:
        for path in write_schemas():
            click.echo(f"wrote {path}")
        return
    stale = check_schemas()
    for path in stale:
        click.echo(f"{path}: out of date; run `python -m simulator schemas --write`")
    if stale:
        sys.exit(1)


def main() -> None:
    """Entry point of the `simulator` console script."""
    cli(prog_name="simulator")
