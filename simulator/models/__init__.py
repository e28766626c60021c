# Layer: models (the bottom layer). Imports nothing from the rest of the simulator package.
"""Pydantic models for everything a trainer writes and everything a session produces.

Trainer-authored content (signal catalogue, rubrics, scenarios) is validated strictly:
unknown keys are rejected so that a typo in a YAML file is reported instead of silently
ignored. Every field carries a description because the JSON Schemas in `schemas/` are
generated from these models and give editors autocompletion and hover help.
"""

from simulator.models.common import Identifier, SourceArticle, StrictModel
from simulator.models.results import (
    CriterionResult,
    CriterionStatus,
    Evidence,
    RubricScore,
    Scorecard,
    SignalVerdict,
    Turn,
)
from simulator.models.rubrics import Before, Criterion, Rubric, Rule
from simulator.models.scenarios import (
    Difficulty,
    ExampleTranscript,
    Fact,
    Industry,
    MoodParams,
    Obstacle,
    Outcome,
    Persona,
    Remedy,
    Scenario,
    ScenarioExamples,
    ScriptedLines,
    Stage,
)
from simulator.models.signals import Cue, SignalCatalogue, SignalExample, SignalExamples, SignalSpec

__all__ = [
    "Before",
    "Criterion",
    "CriterionResult",
    "CriterionStatus",
    "Cue",
    "Difficulty",
    "Evidence",
    "ExampleTranscript",
    "Fact",
    "Identifier",
    "Industry",
    "MoodParams",
    "Obstacle",
    "Outcome",
    "Persona",
    "Remedy",
    "Rubric",
    "RubricScore",
    "Rule",
    "Scenario",
    "ScenarioExamples",
    "Scorecard",
    "ScriptedLines",
    "SignalCatalogue",
    "SignalExample",
    "SignalExamples",
    "SignalSpec",
    "SignalVerdict",
    "SourceArticle",
    "Stage",
    "StrictModel",
    "Turn",
]
