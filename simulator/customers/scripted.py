# Layer: customers. Imports models, signals, mood and simulator.customers.base.
"""The scripted customer: offline and deterministic, it speaks only the scenario's lines.

It reacts first to how the call ends, then to a remedy, then to anything harmful the
trainee just did, then reveals a fact when asked, then acknowledges helpful behaviour,
and otherwise speaks for its current stage. It never repeats its previous line.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from simulator.customers.base import CustomerContext, register_engine
from simulator.models import Fact, Outcome, Scenario, Stage
from simulator.signals import stem

HARMFUL_ORDER = ("argue", "pass_the_buck", "dismissive", "quote_policy")
_WORDS = re.compile(r"[a-z0-9£$€']+")


def _content_words(text: str) -> set[str]:
    """Words long enough to say what a question or a fact is about (a crude, cheap filter)."""
    return {stem(w) for w in _WORDS.findall(text.lower()) if len(w) > 4 or w.isdigit()}
HELPFUL_ORDER = ("reflect", "apologize", "empathize", "take_ownership", "thank")


class ScriptedCustomer:
    """A customer who picks lines from the scenario by outcome, behaviour and stage."""

    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        self.scenario = scenario
        self.rng = rng
        self.lines = scenario.lines
        self.revealed: set[str] = set()
        self.said: list[str] = []

    def _pick(self, *pools: Sequence[str]) -> str | None:
        """A line from the first pool that has one not just said, preferring unused lines."""
        last = self.said[-1] if self.said else None
        for pool in pools:
            fresh = [line for line in pool if line != last and line not in self.said]
            usable = fresh or [line for line in pool if line != last]
            if usable:
                return self.rng.choice(usable)
        return None

    def _say(self, *parts: str | None) -> str:
        text = " ".join(p.strip() for p in parts if p)
        self.said.append(text)
        return text

    def _stage_lines(self, stage: Stage) -> list[str]:
        return self.lines.stages[stage]

    def _fact_for(self, question: str) -> Fact | None:
        """The unrevealed 'asked' fact the question is most about; file order breaks ties.

        A question that names nothing in particular ("can you tell me more?") gets the next
        fact in the order the trainer wrote them.
        """
        waiting = [f for f in self.scenario.facts
                   if f.revealed == "asked" and f.id not in self.revealed]
        if not waiting:
            return None
        asked = _content_words(question)
        return max(waiting, key=lambda f: len(
            asked & _content_words(f"{f.text} {f.customer_line or ''}")))

    def opening(self) -> str:
        """The scenario's opening line."""
        return self._say(self.scenario.opening_line)

    def respond(self, context: CustomerContext) -> str:
        """Answer one trainee reply, given the mood and outcome the session decided."""
        stage_pool = self._stage_lines(context.after.stage)
        outcome_pools = {
            Outcome.walked_out: self.lines.walked_out,
            Outcome.escalated: self.lines.escalated,
            Outcome.turn_limit: self.lines.turn_limit,
        }
        if context.outcome in outcome_pools:
            return self._say(self._pick(outcome_pools[context.outcome], stage_pool))
        remedy = context.remedy
        if context.outcome is Outcome.resolved and remedy is not None:
            accepted = [remedy.customer_reply] if remedy.customer_reply else []
            return self._say(self._pick(accepted, self.lines.remedy_accepted, stage_pool))
        if remedy is not None:
            if not remedy.fits:
                own = [remedy.customer_reply] if remedy.customer_reply else []
                return self._say(self._pick(own, self.lines.remedy_unfit, stage_pool))
            return self._say(self._pick(self.lines.remedy_too_early, stage_pool))
        for signal_id in HARMFUL_ORDER:
            if signal_id in context.fired and self.lines.reactions.get(signal_id):
                return self._say(self._pick(self.lines.reactions[signal_id], stage_pool))
        if "ask_question" in context.fired:
            fact = self._fact_for(context.reply)
            if fact is not None and fact.customer_line:
                self.revealed.add(fact.id)
                return self._say(fact.customer_line)
        for signal_id in (*HELPFUL_ORDER, "ask_question"):
            if signal_id in context.fired and self.lines.reactions.get(signal_id):
                reaction = self._pick(self.lines.reactions[signal_id])
                if reaction is None:
                    continue
                follow = None
                if context.after.stage != context.before.stage:
                    follow = self._pick([s for s in stage_pool if s != reaction])
                return self._say(reaction, follow)
        return self._say(self._pick(stage_pool))

    def wrap_up(self, reply: str) -> str:
        """A closing line after the trainee's last words on a resolved call."""
        return self._say(self._pick(self._stage_lines(Stage.closing)))


@register_engine("scripted")
def _scripted(scenario: Scenario, rng: random.Random) -> ScriptedCustomer:
    return ScriptedCustomer(scenario, rng)
