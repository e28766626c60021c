# Layer: customers. Imports simulator.models, simulator.signals and simulator.mood only.
"""The interface every customer engine implements, and the registry that names them."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from simulator.models import Outcome, Remedy, Scenario
from simulator.mood import REMEDY, MoodState
from simulator.signals import split_sentences


@dataclass(frozen=True)
class CustomerContext:
    """What an engine knows when it answers one trainee reply.

    The session has already decided mood and outcome: engines only put them into words,
    so an engine (or a language model behind it) can never end a call by itself.
    """

    reply: str
    fired: Sequence[str]
    before: MoodState
    after: MoodState
    remedy: Remedy | None
    turn: int

    @property
    def outcome(self) -> Outcome:
        """The outcome the session decided for this turn."""
        return self.after.outcome


class CustomerEngine(Protocol):
    """Plays one customer in one session."""

    def opening(self) -> str:
        """The customer's first words."""
        ...

    def respond(self, context: CustomerContext) -> str:
        """The customer's answer to one trainee reply."""
        ...

    def wrap_up(self, reply: str) -> str:
        """The customer's last words after the trainee closes a resolved call."""
        ...


EngineFactory = Callable[[Scenario, random.Random], CustomerEngine]
ENGINES: dict[str, EngineFactory] = {}


def register_engine(name: str) -> Callable[[EngineFactory], EngineFactory]:
    """Register an engine under a name usable from the CLI and the app."""

    def decorate(factory: EngineFactory) -> EngineFactory:
        ENGINES[name] = factory
        return factory

    return decorate


def create_engine(name: str, scenario: Scenario, rng: random.Random) -> CustomerEngine:
    """Build a registered engine for a scenario (KeyError names the known engines)."""
    if name not in ENGINES:
        raise KeyError(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    return ENGINES[name](scenario, rng)


def match_remedy(
    scenario: Scenario, reply: str, fired: Sequence[str], evidence: Sequence[str] = ()
) -> Remedy | None:
    """The scenario remedy the trainee offered, if they offered one it recognises.

    Remedies are tried in file order, so trainers list the most specific first. The reply
    is searched from the first sentence holding the offer's evidence onwards before the whole
    of it, so an option only mentioned before the offer ("Standby is full. I've booked you
    on the 7:40") is not mistaken for the one offered, while an offer spread over several
    sentences still counts as one.
    """
    if REMEDY not in fired:
        return None
    text = reply.replace("\u2019", "'")
    starts = [s.start for s in split_sentences(text) if any(q in s.text for q in evidence)]
    scopes = [text[min(starts):], text] if starts else [text]
    for scope in scopes:
        for remedy in scenario.remedies:
            if any(re.search(pattern, scope, re.I) for pattern in remedy.recognise):
                return remedy
    return None
