# Layer: models (the bottom layer). Imports nothing from the simulator package.
"""Pydantic models for everything a trainer writes and everything a session produces.

Trainer-authored content (signal catalogue, rubrics, scenarios) is validated strictly:
unknown keys are rejected so that a typo in a YAML file is reported instead of silently
ignored. Every field carries a description because the JSON Schemas in `schemas/` are
generated from these models and give editors autocompletion and hover help.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_\-]*$",
        description="Lower-case identifier: letters, digits, '_' or '-', starting with a letter.",
    ),
]
SourceArticle = Annotated[
    str,
    Field(
        pattern=r"^\d{3}_[0-9a-f]{16}\.txt$",
        description="File name of the source article in shared/seeds/ this item is drawn from.",
    ),
]


class StrictModel(BaseModel):
    """Base for authored content: unknown keys are errors, values are not coerced loosely."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_cue(value: str) -> str:
    if re.search(r"(?<!\\)[A-Z]", value):
        raise ValueError("write patterns in lower case: replies are lower-cased before matching")
    return _check_regex(value)


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


# --------------------------------------------------------------------------- signals


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

    _valid = field_validator("pattern")(_check_cue)


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
        lambda v: [_check_cue(p) for p in v]
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
    signals: list[SignalSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> SignalCatalogue:
        seen: set[str] = set()
        for index, spec in enumerate(self.signals):
            if spec.id in seen:
                raise ValueError(f"signals.{index}.id: duplicate signal id {spec.id!r}")
            seen.add(spec.id)
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


# --------------------------------------------------------------------------- rubrics


class Before(StrictModel):
    """Ordering rule: `first` must be shown on an earlier (or the same) turn than `then`."""

    first: Identifier = Field(description="Signal that must come first (e.g. reflect).")
    then: Identifier = Field(description="Signal that must come after it (e.g. offer_remedy).")


class Rule(StrictModel):
    """A rule over signals. Exactly one of any_of, all_of, never, before."""

    any_of: list[Identifier] | None = Field(
        default=None, description="Met when at least one of these signals is shown."
    )
    all_of: list[Identifier] | None = Field(
        default=None,
        description="Met when every one of these signals is shown; partly met by some of them.",
    )
    never: list[Identifier] | None = Field(
        default=None,
        description="Penalty: each turn showing one of these signals loses `penalty` points.",
    )
    before: Before | None = Field(default=None, description="Ordering between two signals.")
    within_first: int | None = Field(
        default=None,
        ge=1,
        description="Only the first N trainee turns count (e.g. apologise early).",
    )
    min_turns: int = Field(
        default=1,
        ge=1,
        description="For any_of/all_of over a conversation: on how many turns it must be shown.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Rule:
        kinds = [k for k in ("any_of", "all_of", "never", "before") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a rule needs exactly one of any_of, all_of, never, before "
                f"(found {', '.join(kinds) or 'none'})"
            )
        return self

    @property
    def kind(self) -> str:
        """Which of the four rule kinds this is."""
        for k in ("any_of", "all_of", "never", "before"):
            if getattr(self, k) is not None:
                return k
        raise AssertionError("unreachable: validated to have one kind")

    def signal_ids(self) -> list[str]:
        """Every signal id the rule mentions (for cross-reference checks)."""
        if self.before is not None:
            return [self.before.first, self.before.then]
        return list(self.any_of or self.all_of or self.never or [])


class Criterion(StrictModel):
    """One thing a trainee is scored on."""

    id: Identifier
    label: str = Field(description="Short name shown on the scorecard.")
    description: str = Field(description="What the trainer looks for, in our own words.")
    source: SourceArticle
    weight: float = Field(gt=0, le=100, description="Points this criterion is worth.")
    observable: Literal["chat", "trainer_review", "reflection"] = Field(
        default="chat",
        description="'chat': scored automatically from the conversation. 'trainer_review' or "
        "'reflection': happens after the call (follow-up, letter, self-analysis), so it is "
        "left to a trainer or the after-action reflection and never guessed from the chat.",
    )
    scope: Literal["turn", "conversation"] = Field(
        default="conversation",
        description="'conversation': the rule is judged once over all turns. 'turn': judged on "
        "every turn and credited by the share of turns that meet it.",
    )
    rule: Rule | None = Field(
        default=None, description="The rule over signals (required when observable is 'chat')."
    )
    penalty: float | None = Field(
        default=None,
        gt=0,
        description="For 'never' rules: points lost per offending turn (default: the weight).",
    )
    critical: bool = Field(
        default=False,
        description="Breaking this criterion fails the whole session whatever the percentage.",
    )
    tip: str = Field(description="Coaching tip shown when the criterion is missed.")
    model_phrasing: str = Field(description="An example of words that would meet it.")

    @model_validator(mode="after")
    def _rule_matches_observable(self) -> Criterion:
        if self.observable == "chat" and self.rule is None:
            raise ValueError("a criterion observable in the chat needs a rule")
        if self.observable != "chat" and self.rule is not None:
            raise ValueError(f"a criterion observed by {self.observable} cannot have a rule")
        if self.critical and (self.rule is None or self.rule.kind != "never"):
            raise ValueError("only 'never' rules can be critical")
        return self


class Rubric(StrictModel):
    """A scoring rubric drawn from one method (BLAST, the 15 steps, ...)."""

    id: Identifier
    title: str
    method: str = Field(description="The method the rubric implements, e.g. 'BLAST'.")
    description: str = Field(description="Why this rubric exists and when to use it.")
    sources: list[SourceArticle] = Field(min_length=1, description="Articles it is drawn from.")
    pass_mark: float = Field(ge=0, le=100, description="Percent needed to pass this rubric.")
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_criteria(self) -> Rubric:
        seen: set[str] = set()
        for index, criterion in enumerate(self.criteria):
            if criterion.id in seen:
                raise ValueError(f"criteria.{index}.id: duplicate criterion id {criterion.id!r}")
            seen.add(criterion.id)
        return self


# --------------------------------------------------------------------------- scenarios


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

    _valid = field_validator("recognise")(lambda v: [_check_regex(p) for p in v])


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


# --------------------------------------------------------------------------- results


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
