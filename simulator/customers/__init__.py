# Layer: customers. Imports simulator.models, simulator.mood and simulator.customers.*.
"""Customer engines behind one interface: the scripted engine now, an LLM engine later."""

from simulator.customers.base import (
    ENGINES,
    CustomerContext,
    CustomerEngine,
    create_engine,
    match_remedy,
    register_engine,
)
from simulator.customers.scripted import ScriptedCustomer

__all__ = [
    "ENGINES",
    "CustomerContext",
    "CustomerEngine",
    "ScriptedCustomer",
    "create_engine",
    "match_remedy",
    "register_engine",
]
