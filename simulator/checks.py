# Layer: session (checks). Imports paths, loader, encoder, signals and session.
"""Run the executable examples in content files, so a trainer's claims are tested.

Signal examples must fire or stay quiet as declared; each scenario's model transcript must
pass its rubrics (with the declared outcome) and its poor transcript must fail, for every
seed in CHECK_SEEDS, because the jitter in the mood must not decide a lesson.
"""

from __future__ import annotations

from simulator import paths
from simulator.encoder import encoder_file_problems
from simulator.loader import Library, LoadError
from simulator.models import Scenario
from simulator.session import PracticeSession
from simulator.signals import SignalDetector, build_detector

CHECK_SEEDS = (0, 1, 2)


def check_signal_examples(library: Library, detector: SignalDetector) -> list[LoadError]:
    """Every signal example behaves as declared."""
    errors: list[LoadError] = []
    assert library.catalogue is not None
    for index, spec in enumerate(library.catalogue.signals):
        for expect, examples in (("fires", spec.examples.fires), ("quiet", spec.examples.quiet)):
            for k, example in enumerate(examples):
                verdict = detector.detect(example.reply, example.customer)[spec.id]
                if verdict.present != (expect == "fires"):
                    said = "did not fire" if expect == "fires" else "fired"
                    found = f" on {verdict.evidence}" if verdict.evidence else ""
                    errors.append(library.error(
                        "signals", "signals", ("signals", index, "examples", expect, k),
                        f"{spec.id} {said}{found} (confidence {verdict.confidence})",
                        "adjust the cues, vetoes or the example"))
    return errors


def check_scenario_examples(
    library: Library, scenario: Scenario, detector: SignalDetector
) -> list[LoadError]:
    """The model transcript passes and the poor one fails, with the declared outcomes."""
    assert library.catalogue is not None
    rubrics = [library.rubrics[r] for r in scenario.rubrics]
    errors: list[LoadError] = []
    for name in ("model", "poor"):
        example = getattr(scenario.examples, name)
        for seed in CHECK_SEEDS:
            session = PracticeSession(scenario, rubrics, library.catalogue, detector, seed=seed)
            session.play(example.replies)
            card = session.scorecard()
            problems = []
            if name == "model" and not card.passed:
                failing = ", ".join(f"{r.rubric} {r.percent}% < {r.pass_mark}%"
                                    for r in card.rubrics if not r.passed)
                problems.append(f"model transcript fails: {failing or card.critical_violations}")
            if name == "poor" and card.passed:
                problems.append(f"poor transcript passes with {card.percent}%")
            if example.outcome is not None and session.outcome != example.outcome:
                problems.append(f"{name} transcript ends {session.outcome.value}, "
                                f"expected {example.outcome.value}")
            if problems:
                trail = " -> ".join(f"{t.mood:.0f}{t.fired()}" for t in session.turns)
                errors.extend(library.error(
                    "scenario", scenario.id, ("examples", name), f"{p} (seed {seed}; anger "
                    f"{scenario.mood.initial:.0f} -> {trail})",
                    "change the replies, the remedy patterns or the mood numbers")
                    for p in problems)
                break
    return errors


def check_library(library: Library) -> list[LoadError]:
    """Load errors plus every executable example that does not behave as declared."""
    if library.catalogue is None:
        return list(library.errors)
    detector, problems = build_detector(library.catalogue)
    errors = list(library.errors) + [
        library.error("signals", "signals", ("model",), problem,
                      "run `make model` to train it, or remove `model:` to use the rules alone")
        for problem in problems
    ]
    if library.catalogue.encoder is not None:
        problems = encoder_file_problems(paths.rubrics_dir() / library.catalogue.encoder)
        if library.catalogue.model is None:
            problems.append("the encoder partners the learned model, and no `model:` is named, "
                            "so it would never be used")
        errors += [
            library.error("signals", "signals", ("encoder",), problem,
                          "train it with tools/train_encoder.py, name `model:` as well, or "
                          "remove `encoder:`")
            for problem in problems
        ]
    # Signal examples specify the rules trainers edit, so they are checked against the rules;
    # scenario transcripts are checked against what trainees get, the rules plus the model.
    errors += check_signal_examples(library, SignalDetector(library.catalogue))
    for scenario in library.scenarios.values():
        errors.extend(check_scenario_examples(library, scenario, detector))
    return errors
