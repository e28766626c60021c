# Layer: models. Imports only from simulator.models.
"""The signal catalogue (rubrics/signals.yaml): behaviours and how the detector finds them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from simulator.models.common import Identifier, StrictModel, check_cue_pattern, check_unique_ids


class Cue(StrictModel):
    """One pattern that is evidence for a signal."""

    pattern: str = Field(
        description="Regular expression matched case-insensitively against each sentence of "
        "the reply (write \\b for word boundaries). Curly apostrophes are straightened first."
    )
    weight: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="Confidence this cue alone gives (0-1]. Cues under the catalogue's "
        "threshold only count when other cues agree.",
    )
    unless_kind: bool = Field(
        default=False,
        description="Counts only when the reply shows none of the catalogue's kind_signals: "
        "'Anything else?' is curt after a complaint ignored, not after an apology and a fix.",
    )
    negatable: bool = Field(
        default=True,
        description="Whether a negation word inside the cue or just before it (same clause) "
        "cancels it. Set false for cues that contain their own negation ('not my job').",
    )

    _valid = field_validator("pattern")(check_cue_pattern)


class SignalExample(StrictModel):
    """A reply (optionally with the customer message it answers) used as an executable example."""

    reply: str = Field(min_length=1, description="The trainee reply.")
    customer: str = Field(default="", description="The customer message the reply answers.")


def _coerce_examples(value: Any) -> Any:
    if isinstance(value, list):
        return [{"reply": item} if isinstance(item, str) else item for item in value]
    return value


class SignalExamples(StrictModel):
    """Executable examples: `validate` checks that each one behaves as declared."""

    fires: list[SignalExample] = Field(
        min_length=1, description="Replies on which the signal must be detected."
    )
    quiet: list[SignalExample] = Field(
        min_length=1, description="Replies (near-misses) on which the signal must not fire."
    )

    _coerce = field_validator("fires", "quiet", mode="before")(_coerce_examples)


class SignalSpec(StrictModel):
    """An observable behaviour in a trainee reply, and how the offline detector finds it."""

    id: Identifier
    label: str = Field(description="Human-readable name shown in feedback.")
    description: str = Field(description="What the behaviour is, in one or two sentences.")
    polarity: Literal["helpful", "harmful"] = Field(
        description="Whether the behaviour helps (apologising) or hurts (arguing) the call."
    )
    detector: Literal["lexicon", "echo"] = Field(
        default="lexicon",
        description="'lexicon' matches cues; 'echo' also needs the customer's own specifics "
        "repeated back (used by reflect).",
    )
    cues: list[Cue] = Field(min_length=1, description="Patterns that are evidence for the signal.")
    vetoes: list[str] = Field(
        default_factory=list,
        description="Patterns that cancel a cue when they match in the same sentence "
        "(e.g. 'sorry you feel that way' is not an apology).",
    )
    vetoes_anywhere: list[str] = Field(
        default_factory=list,
        description="Patterns that cancel the signal when they match anywhere in the reply "
        "(quoting a policy only to set it aside with an exception).",
    )
    suppressed_by: list[Identifier] = Field(
        default_factory=list,
        description="Signals that, when found in the same sentence, cancel this one "
        "(a question that argues is not a genuine question).",
    )
    undone_by: list[Identifier] = Field(
        default_factory=list,
        description="Signals that cancel this one anywhere in the reply unless one of `kept_by` "
        "is present too (specifics repeated only to refuse or correct are not reflecting).",
    )
    kept_by: list[Identifier] = Field(
        default_factory=list, description="Signals that keep this one despite `undone_by`."
    )
    mood_effect: float = Field(
        default=0,
        ge=-30,
        le=30,
        description="Default change in customer anger when the signal fires (negative calms). "
        "Scenarios can override it per persona.",
    )
    examples: SignalExamples

    _valid = field_validator("vetoes", "vetoes_anywhere")(
        lambda v: [check_cue_pattern(p) for p in v]
    )


class SignalCatalogue(StrictModel):
    """The catalogue of signals (rubrics/signals.yaml)."""

    version: Literal[1] = Field(default=1, description="Format version of this file.")
    threshold: float = Field(
        default=0.5, gt=0, le=1, description="Confidence at which a signal counts as present."
    )
    negation_words: list[str] = Field(
        min_length=1,
        description="Words that negate a cue appearing shortly after them in the same clause.",
    )
    negation_window: int = Field(
        default=4, ge=1, le=10, description="How many words before a cue are checked for negation."
    )
    stopwords: list[str] = Field(
        default_factory=list,
        description="Words ignored when checking whether a reply repeats the customer's specifics.",
    )
    kind_signals: list[Identifier] = Field(
        default_factory=list,
        description="Signals that show the agent engaging with the complaint; cues marked "
        "unless_kind are ignored in a reply that shows any of them.",
    )
    model: str | None = Field(
        default=None,
        pattern=r"^[^/\\].*\.json$",
        description="Learned correction on top of the rules: a JSON file beside this catalogue, "
        "written by `simulator train-model` from the labelled replies in tests/data/. Leave "
        "out to detect with the rules alone.",
    )
    encoder: str | None = Field(
        default=None,
        pattern=r"^[^/\\].*\.json$",
        description="Opt-in fine-tuned encoder that partners the learned model: the JSON file "
        "beside this catalogue that `tools/train_encoder.py` writes. Used only when asked "
        "for (`--encoder`, or `build_detector(..., encoder=True)`), as it is about ten times "
        "slower and needs requirements-encoder.txt.",
    )
    signals: list[SignalSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> SignalCatalogue:
        check_unique_ids("signals", "signal", self.ids())
        return self

    def ids(self) -> list[str]:
        """Signal ids in catalogue order."""
        return [spec.id for spec in self.signals]

    def get(self, signal_id: str) -> SignalSpec:
        """The spec for one signal id (KeyError if unknown)."""
        for spec in self.signals:
            if spec.id == signal_id:
                return spec
        raise KeyError(signal_id)
