# Layer: models (configuration constants). Imports nothing from the simulator package.
"""Where the shipped content lives, overridable by environment variables for deployments."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def scenarios_dir() -> Path:
    """Folder of scenario YAML files (env SIMULATOR_SCENARIOS_DIR)."""
    return Path(os.environ.get("SIMULATOR_SCENARIOS_DIR", PROJECT_ROOT / "scenarios"))


def rubrics_dir() -> Path:
    """Folder of rubric YAML files and the signal catalogue (env SIMULATOR_RUBRICS_DIR)."""
    return Path(os.environ.get("SIMULATOR_RUBRICS_DIR", PROJECT_ROOT / "rubrics"))


def signals_file() -> Path:
    """The signal catalogue: `signals.yaml` inside the rubrics folder."""
    return rubrics_dir() / "signals.yaml"


def schemas_dir() -> Path:
    """Folder of the generated JSON Schemas."""
    return PROJECT_ROOT / "schemas"
