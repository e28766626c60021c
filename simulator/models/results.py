# Layer: models. Imports only from simulator.models.
"""What a session produces: verdicts, turns, criterion results and the scorecard."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from simulator.models.scenarios import Stage


class SignalVerdict(BaseModel):
    """What the detector concluded about one signal in one reply."""

    present: bool
    confidence: float = Field(ge=0, le=1)
    evidence: list[str] = Field(default_factory=list, description="Quoted words from the reply.")


class Turn(BaseModel):
    """One exchange: the customer message being answered, the trainee's reply, the answer."""

    index: int = Field(ge=1, description="1-based trainee turn number.")
    prompt: str = Field(description="The customer message the trainee replied to.")
    trainee: str
    customer: str = Field(default="", description="The customer's answer to the reply.")
    signals: dict[str, SignalVerdict] = Field(default_factory=dict)
    mood: float = Field(default=0, ge=0, le=100)
    stage: Stage = Stage.venting
    remedy: str | None = Field(default=None, description="Id of the remedy offered, if any.")

    def fired(self) -> list[str]:
        """Ids of the signals present in this turn."""
        return [sid for sid, verdict in self.signals.items() if verdict.present]


class Evidence(BaseModel):
    """A quote that earned or lost points."""

    turn: int
    signal: str
    quote: str


CriterionStatus = Literal["met", "partly", "missed", "pending"]


class CriterionResult(BaseModel):
    """How one criterion came out."""

    id: str
    label: str
    status: CriterionStatus
    points: float
    max: float
    evidence: list[Evidence] = Field(default_factory=list)
    critical_violation: bool = False
    tip: str = ""
    model_phrasing: str = ""
    observable: str = "chat"


class RubricScore(BaseModel):
    """One rubric's section of the scorecard."""

    rubric: str
    title: str
    points: float
    max: float
    percent: float
    pass_mark: float
    passed: bool
    criteria: list[CriterionResult]
    critical_violations: list[str] = Field(default_factory=list)


class Scorecard(BaseModel):
    """The whole session's result across the rubrics applied."""

    percent: float
    passed: bool
    rubrics: list[RubricScore]
    critical_violations: list[str] = Field(default_factory=list)
