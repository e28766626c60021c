# Layer: loader (schema export). Imports simulator.models and simulator.paths.
"""JSON Schemas for the content files, generated from the models.

Editors that speak the YAML language server pick them up from the first line of each
file (`# yaml-language-server: $schema=...`) and offer completion and hover help.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from simulator import paths
from simulator.models import Rubric, Scenario, SignalCatalogue

SCHEMAS: dict[str, type[BaseModel]] = {
    "scenario.schema.json": Scenario,
    "rubric.schema.json": Rubric,
    "signals.schema.json": SignalCatalogue,
}


def render(model: type[BaseModel]) -> str:
    """The validation-mode schema of a model as stable, pretty JSON text."""
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path | None = None) -> list[Path]:
    """Write every schema file; return the paths written."""
    target = folder or paths.schemas_dir()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = target / name
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


def check_schemas(folder: Path | None = None) -> list[Path]:
    """Schema files that are missing or differ from what the models generate."""
    target = folder or paths.schemas_dir()
    stale = []
    for name, model in SCHEMAS.items():
        path = target / name
        if not path.exists() or path.read_text(encoding="utf-8") != render(model):
            stale.append(path)
    return stale
