# Layer: models. Imports only from simulator.models.
"""Scenarios: the customer, the facts, remedies, scripted lines, mood and examples."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from simulator.models.common import Identifier, StrictModel, check_pattern


class Difficulty(StrEnum):
    easy = "easy"
    medium = "medium"
    hard = "hard"
    expert = "expert"


Industry = Literal[
    "telecom",
    "airline",
    "retail",
    "banking",
    "software",
    "restaurant",
    "hospitality",
    "utilities",
    "insurance",
    "healthcare",
    "travel",
    "public_transport",
    "other",
]


class Stage(StrEnum):
    """Where the customer is emotionally in the conversation."""

    venting = "venting"
    explaining = "explaining"
    negotiating = "negotiating"
    closing = "closing"


class Outcome(StrEnum):
    """How a session ended. Set by code (mood and session), never parsed from model text."""

    in_progress = "in_progress"
    resolved = "resolved"
    escalated = "escalated"
    walked_out = "walked_out"
    turn_limit = "turn_limit"


class Persona(StrictModel):
    """Who the customer is."""

    name: str
    temperament: str = Field(description="How they come across, e.g. 'clipped and sarcastic'.")
    background: str = Field(description="Who they are and why this matters to them.")
    angered_by: list[str] = Field(min_length=1, description="What makes them angrier.")
    calmed_by: list[str] = Field(min_length=1, description="What calms them down.")


class Fact(StrictModel):
    """A fact of the case. Facts marked 'asked' are only revealed when the trainee asks."""

    id: Identifier
    text: str = Field(description="The fact, as the trainee's briefing or the trainer sees it.")
    revealed: Literal["briefing", "asked"] = Field(
        default="briefing",
        description="'briefing': the trainee knows it up front. 'asked': the customer reveals "
        "it only when the trainee asks a question.",
    )
    customer_line: str | None = Field(
        default=None, description="What the customer says when revealing it (for 'asked' facts)."
    )
    customer_is_wrong: bool = Field(
        default=False,
        description="The customer believes something untrue here: practice in not arguing.",
    )

    @model_validator(mode="after")
    def _asked_needs_line(self) -> Fact:
        if self.revealed == "asked" and not self.customer_line:
            raise ValueError("a fact revealed when asked needs a customer_line")
        return self


class Remedy(StrictModel):
    """Something the trainee may offer."""

    id: Identifier
    label: str
    recognise: list[str] = Field(
        min_length=1,
        description="Regular expressions that recognise the trainee offering this remedy.",
    )
    fits: bool = Field(description="Whether it meets what the customer actually wants.")
    customer_reply: str | None = Field(
        default=None,
        description="What the customer says to this remedy (defaults to the accept/unfit lines).",
    )

    _valid = field_validator("recognise")(lambda v: [check_pattern(p) for p in v])


class Obstacle(StrictModel):
    """Something the trainee cannot do, whatever the customer says."""

    id: Identifier
    text: str


class MoodParams(StrictModel):
    """How this customer's anger (0 calm - 100 furious) moves, and where the thresholds lie."""

    initial: float = Field(ge=0, le=100, description="Anger when the call starts.")
    weights: dict[Identifier, float] = Field(
        default_factory=dict,
        description="Per-signal change in anger for this persona, overriding the catalogue's "
        "mood_effect (negative calms).",
    )
    jitter: float = Field(
        default=2.0, ge=0, le=10, description="Seeded random wobble added each turn (+/-)."
    )
    drift: float = Field(
        default=2.0,
        ge=-10,
        le=10,
        description="Change each turn in which the trainee does nothing that matters "
        "(positive: the customer grows impatient).",
    )
    early_remedy_factor: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="Share of a remedy's calming effect kept when it is offered before the "
        "trainee has listened (reflected, asked or empathised).",
    )
    fitting_remedy_bonus: float = Field(
        default=-15, le=0, description="Extra change when a remedy that fits is offered."
    )
    unfit_remedy_penalty: float = Field(
        default=6, ge=0, description="Extra change when an unfitting remedy is offered."
    )
    accept_at: float = Field(
        default=55, ge=0, le=100, description="A fitting remedy is accepted at or below this anger."
    )
    escalate_at: float = Field(
        default=85, ge=0, le=100, description="At or above this anger the customer wants a manager."
    )
    escalate_after: int = Field(
        default=2, ge=1, description="Consecutive turns at escalate_at before they escalate."
    )
    walk_out_at: float = Field(
        default=100, ge=0, le=100, description="At or above this anger the customer walks out."
    )
    venting_above: float = Field(default=70, ge=0, le=100, description="Stage 'venting' above.")
    negotiating_below: float = Field(
        default=45, ge=0, le=100, description="Stage 'negotiating' below (else 'explaining')."
    )

    @model_validator(mode="after")
    def _ordered(self) -> MoodParams:
        if not self.accept_at < self.escalate_at <= self.walk_out_at:
            raise ValueError("thresholds must satisfy accept_at < escalate_at <= walk_out_at")
        if not self.negotiating_below <= self.venting_above:
            raise ValueError("negotiating_below must not exceed venting_above")
        return self


class ScriptedLines(StrictModel):
    """What the scripted customer says, by stage, by trainee behaviour, and at the end."""

    stages: dict[Stage, list[str]] = Field(
        description="Fallback lines per stage when nothing more specific applies."
    )
    reactions: dict[Identifier, list[str]] = Field(
        default_factory=dict,
        description="Lines keyed by a signal id, said when the trainee just showed it.",
    )
    remedy_accepted: list[str] = Field(min_length=1)
    remedy_too_early: list[str] = Field(
        min_length=1, description="A fitting remedy offered while the customer is still too angry."
    )
    remedy_unfit: list[str] = Field(min_length=1, description="A remedy that misses the point.")
    escalated: list[str] = Field(min_length=1, description="Asking for a manager.")
    walked_out: list[str] = Field(min_length=1)
    turn_limit: list[str] = Field(min_length=1, description="Running out of patience and time.")

    @field_validator("stages")
    @classmethod
    def _every_stage(cls, value: dict[Stage, list[str]]) -> dict[Stage, list[str]]:
        thin = [s.value for s in Stage if len(set(value.get(s, []))) < 2]
        if thin:
            raise ValueError(
                "every stage needs at least two different lines so the customer never repeats "
                f"itself; too few for: {', '.join(thin)}"
            )
        return value


class ExampleTranscript(StrictModel):
    """Trainee replies played against the scripted customer by `validate`."""

    replies: list[str] = Field(min_length=1, description="Trainee replies, in order.")
    outcome: Outcome | None = Field(
        default=None, description="The outcome the replies must lead to, if checked."
    )


class ScenarioExamples(StrictModel):
    """Two executable transcripts: a model one that must pass and a poor one that must fail."""

    model: ExampleTranscript
    poor: ExampleTranscript


class Scenario(StrictModel):
    """A complaint to practise on: who the customer is, the facts, and how they react."""

    id: Identifier
    title: str
    industry: Industry
    difficulty: Difficulty
    tags: list[str] = Field(default_factory=list)
    briefing: str = Field(description="What the trainee reads before the call starts.")
    persona: Persona
    facts: list[Fact] = Field(min_length=1)
    wants: str = Field(description="What the customer actually wants out of this.")
    remedies: list[Remedy] = Field(min_length=1)
    obstacles: list[Obstacle] = Field(default_factory=list)
    opening_line: str
    lines: ScriptedLines
    mood: MoodParams
    turn_limit: int = Field(ge=2, le=40)
    rubrics: list[Identifier] = Field(min_length=1, description="Ids of the rubrics applied.")
    examples: ScenarioExamples

    @model_validator(mode="after")
    def _some_remedy_fits(self) -> Scenario:
        if not any(r.fits for r in self.remedies):
            raise ValueError("at least one remedy must fit what the customer wants")
        return self
