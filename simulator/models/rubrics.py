# Layer: models. Imports only from simulator.models.
"""Rubrics: criteria, their rules over signals, weights, sources and coaching text."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simulator.models.common import Identifier, SourceArticle, StrictModel, check_unique_ids


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
        check_unique_ids("criteria", "criterion", [c.id for c in self.criteria])
        return self
